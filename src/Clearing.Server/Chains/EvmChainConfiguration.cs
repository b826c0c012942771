using System.Globalization;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;
using Clearing.Chains.Evm.Vault;
using Clearing.Server.Api;
using Microsoft.Extensions.Configuration;

namespace Clearing.Server.Chains;

/// <summary>
/// One EVM chain Clearing serves, validated: where its node is, its vault and allowlist, and the operator key that
/// signs its withdrawals and seizures. Not a record, so no generated ToString can ever print the key.
/// </summary>
public sealed class EvmChain(Uri rpcUrl, EvmVaultOptions vault, EvmPrivateKey operatorKey, TimeSpan pollInterval, EvmAddress? liquidationReceiver = null)
{
    public string Name => Vault.Chain;

    public Uri RpcUrl { get; } = rpcUrl;

    public EvmVaultOptions Vault { get; } = vault;

    public EvmPrivateKey OperatorKey { get; } = operatorKey;

    public TimeSpan PollInterval { get; } = pollInterval;

    /// <summary>Where seized collateral is paid: the configured receiver, or the operator's own address.</summary>
    public EvmAddress LiquidationReceiver { get; } = liquidationReceiver ?? operatorKey.Address;

    /// <summary>
    /// The node as logs may show it: scheme, host and port only. Hosted providers put API keys in the path, query or
    /// user info of the URL, so the full URL is never logged.
    /// </summary>
    public string RpcHost => $"{RpcUrl.Scheme}://{RpcUrl.Host}:{RpcUrl.Port}";

    public override string ToString() => $"{Name} (chain id {Vault.ChainId}, vault {Vault.Vault}, node {RpcHost}, operator {OperatorKey.Address}, liquidation receiver {LiquidationReceiver})";
}

/// <summary>
/// Reads <c>Clearing:Evm:Chains:&lt;name&gt;</c> (README.md next to this file). Every problem of every chain is collected
/// and reported at once as an <see cref="ApiConfigurationException"/>, before anything listens: a chain that cannot be run
/// safely must stop the service, never run half-configured.
/// </summary>
public static class EvmChainConfiguration
{
    public const string Section = "Clearing:Evm:Chains";

    /// <summary>Poll interval when none is configured: 2,000 ms.</summary>
    public const int DefaultPollIntervalMs = 2_000;

    public static IReadOnlyList<EvmChain> Read(IConfiguration configuration)
    {
        var problems = new List<string>();
        var chains = new List<EvmChain>();
        foreach (var section in configuration.GetSection(Section).GetChildren())
        {
            if (ReadChain(section, problems) is { } chain)
            {
                chains.Add(chain);
            }
        }

        if (problems.Count > 0)
        {
            throw new ApiConfigurationException($"{Section} is unusable ({problems.Count} problem(s)): {string.Join("; ", problems)}.");
        }

        return chains;
    }

    private static EvmChain? ReadChain(IConfigurationSection section, List<string> problems)
    {
        var name = section.Key;
        var count = problems.Count;
        void Problem(string text) => problems.Add($"{section.Path}: {text}");

        var rpcUrl = ChainSectionReader.ReadRpcUrl(section, Problem);

        var chainId = ReadUnsigned(section, "ChainId", Problem);
        if (chainId is null && string.IsNullOrWhiteSpace(section["ChainId"]))
        {
            Problem("ChainId is missing");
        }
        else if (chainId == 0)
        {
            Problem("ChainId is 0");
        }

        var vaultText = section["VaultAddress"];
        var vault = EvmAddress.Zero;
        if (string.IsNullOrWhiteSpace(vaultText))
        {
            Problem("VaultAddress is missing");
        }
        else if (!EvmAddress.TryParse(vaultText, out vault))
        {
            Problem($"VaultAddress '{vaultText}' is not a 20-byte hex address");
        }
        else if (vault.IsZero)
        {
            Problem("VaultAddress is the zero address");
        }

        var tokens = new Dictionary<EvmAddress, string>();
        foreach (var token in section.GetSection("Tokens").GetChildren())
        {
            if (!EvmAddress.TryParse(token.Key, out var address))
            {
                Problem($"Tokens key '{token.Key}' is not a token address");
            }
            else if (string.IsNullOrWhiteSpace(token.Value))
            {
                Problem($"Tokens:{token.Key} names no asset symbol");
            }
            else if (tokens.ContainsValue(token.Value))
            {
                // Withdrawals name an asset; two contracts for one symbol would leave the payout token ambiguous.
                Problem($"Tokens maps asset '{token.Value}' to more than one address");
            }
            else
            {
                tokens[address] = token.Value;
            }
        }

        if (tokens.Count == 0 && !section.GetSection("Tokens").GetChildren().Any())
        {
            Problem("Tokens (the allowlist: token address → asset symbol) is empty");
        }

        var startBlock = ReadUnsigned(section, "StartBlock", Problem) ?? 0;
        var pollMs = ReadUnsigned(section, "PollIntervalMs", Problem);
        if (pollMs is 0 or > int.MaxValue)
        {
            Problem($"PollIntervalMs must be between 1 and {int.MaxValue} ms");
        }

        var key = ChainSectionReader.ReadKeyFile(
            section, "OperatorKeyFile", "the path of a key file from `clearing keys new --chain evm`", EvmKeyFile.Load, Problem);

        var receiverText = section["LiquidationReceiver"];
        EvmAddress? receiver = null;
        if (!string.IsNullOrWhiteSpace(receiverText))
        {
            if (!EvmAddress.TryParse(receiverText, out var parsed))
            {
                Problem($"LiquidationReceiver '{receiverText}' is not a 20-byte hex address");
            }
            else if (parsed.IsZero)
            {
                Problem("LiquidationReceiver is the zero address (seized collateral would be burned)");
            }
            else
            {
                receiver = parsed;
            }
        }

        if (problems.Count > count || rpcUrl is null || key is null)
        {
            return null;
        }

        var options = new EvmVaultOptions { Chain = name, ChainId = chainId!.Value, Vault = vault, Tokens = tokens, StartBlock = startBlock };
        return new EvmChain(rpcUrl, options, key, TimeSpan.FromMilliseconds(pollMs ?? DefaultPollIntervalMs), receiver);
    }

    /// <summary>The value, or null when it is absent or (reported) not a non-negative integer.</summary>
    private static ulong? ReadUnsigned(IConfigurationSection section, string key, Action<string> problem)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            problem($"{key} '{text}' is not a non-negative integer");
            return null;
        }

        return value;
    }
}
