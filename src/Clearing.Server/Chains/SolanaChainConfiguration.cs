using System.Globalization;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Signing;
using Clearing.Chains.Solana.Vault;
using Clearing.Server.Api;
using Microsoft.Extensions.Configuration;

namespace Clearing.Server.Chains;

/// <summary>
/// The Solana chain Clearing serves, validated: its node, the vault (authority, allowlisted mints, optional SOL
/// vault), the vault authority's key that signs withdrawals and seizures, and where seized collateral goes. Not a
/// record, so no generated ToString can ever print the key.
/// </summary>
public sealed class SolanaChain(Uri rpcUrl, SolanaVaultOptions vault, Keypair vaultAuthority, PublicKey liquidationReceiver, TimeSpan pollInterval)
{
    public string Name => Vault.Chain;

    public Uri RpcUrl { get; } = rpcUrl;

    public SolanaVaultOptions Vault { get; } = vault;

    public Keypair VaultAuthority { get; } = vaultAuthority;

    /// <summary>The wallet whose associated token account receives seized collateral.</summary>
    public PublicKey LiquidationReceiver { get; } = liquidationReceiver;

    public TimeSpan PollInterval { get; } = pollInterval;

    /// <summary>The node as logs may show it: scheme, host and port only (provider URLs carry API keys).</summary>
    public string RpcHost => $"{RpcUrl.Scheme}://{RpcUrl.Host}:{RpcUrl.Port}";

    public override string ToString() =>
        $"{Name} (vault authority {Vault.VaultAuthority}, {Vault.Mints.Count} mint(s), node {RpcHost}, liquidation receiver {LiquidationReceiver})";
}

/// <summary>
/// Reads <c>Clearing:Solana</c> (README.md next to this file). Absent: no Solana chain runs. Present: every problem is
/// collected and reported at once as an <see cref="ApiConfigurationException"/>, before anything listens.
/// </summary>
public static class SolanaChainConfiguration
{
    public const string Section = "Clearing:Solana";

    public const string DefaultChainName = "solana";

    /// <summary>Poll interval when none is configured: 2,000 ms.</summary>
    public const int DefaultPollIntervalMs = 2_000;

    /// <summary>The configured chain, or null when the section is absent.</summary>
    public static SolanaChain? Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!section.Exists())
        {
            return null;
        }

        var problems = new List<string>();
        var chain = ReadChain(section, problems);
        if (problems.Count > 0 || chain is null)
        {
            throw new ApiConfigurationException($"{Section} is unusable ({problems.Count} problem(s)): {string.Join("; ", problems)}.");
        }

        return chain;
    }

    private static SolanaChain? ReadChain(IConfigurationSection section, List<string> problems)
    {
        void Problem(string text) => problems.Add($"{section.Path}: {text}");

        var name = string.IsNullOrWhiteSpace(section["Chain"]) ? DefaultChainName : section["Chain"]!;
        var rpcUrl = ChainSectionReader.ReadRpcUrl(section, Problem);
        var authority = ChainSectionReader.ReadKeyFile(
            section, "VaultKeyFile", "the vault authority's key file from `clearing keys new --chain solana`", SolanaKeyFile.Load, Problem);

        var mints = ReadMints(section.GetSection("Mints"), Problem);
        var solVault = ReadKey(section, "SolVault", Problem);
        var receiver = ReadKey(section, "LiquidationReceiver", Problem);
        if (receiver is null && string.IsNullOrWhiteSpace(section["LiquidationReceiver"]))
        {
            Problem("LiquidationReceiver is missing (the wallet that receives seized collateral)");
        }
        else if (receiver is { } r && authority is not null && r == authority.PublicKey)
        {
            // The authority's associated token accounts ARE the vault: a seizure paid there would never leave it.
            Problem("LiquidationReceiver is the vault authority itself; seized collateral would stay in the vault");
        }

        var pollText = section["PollIntervalMs"];
        var pollMs = DefaultPollIntervalMs;
        if (!string.IsNullOrWhiteSpace(pollText) && (!int.TryParse(pollText, NumberStyles.None, CultureInfo.InvariantCulture, out pollMs) || pollMs < 1))
        {
            Problem($"PollIntervalMs must be between 1 and {int.MaxValue} ms");
        }

        if (problems.Count > 0 || rpcUrl is null || authority is null || receiver is null)
        {
            return null;
        }

        var options = new SolanaVaultOptions
        {
            Chain = name,
            VaultAuthority = authority.PublicKey,
            Mints = mints,
            SolVault = solVault,
            SolAsset = string.IsNullOrWhiteSpace(section["SolAsset"]) ? "SOL" : section["SolAsset"]!,
        };
        try
        {
            options.Validate();
        }
        catch (InvalidOperationException e)
        {
            Problem(e.Message);
            return null;
        }

        return new SolanaChain(rpcUrl, options, authority, receiver.Value, TimeSpan.FromMilliseconds(pollMs));
    }

    /// <summary><c>Mints:&lt;mint&gt;</c> = <c>{Asset, Decimals, TokenProgram?}</c>; empty is a problem (nothing could ever be credited).</summary>
    private static Dictionary<PublicKey, SolanaAllowedMint> ReadMints(IConfigurationSection section, Action<string> problem)
    {
        var mints = new Dictionary<PublicKey, SolanaAllowedMint>();
        var assets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in section.GetChildren())
        {
            var count = 0;
            void MintProblem(string text)
            {
                count++;
                problem($"Mints:{entry.Key}: {text}");
            }

            if (!PublicKey.TryParse(entry.Key, out var mint) || mint == PublicKey.Default)
            {
                MintProblem("is not a non-zero base58 mint address");
            }

            var asset = entry["Asset"];
            if (string.IsNullOrWhiteSpace(asset))
            {
                MintProblem("names no Asset symbol");
            }
            else if (!assets.Add(asset))
            {
                // Withdrawals and seizures name an asset; two mints for one symbol would leave the payout mint ambiguous.
                MintProblem($"asset '{asset}' is mapped to more than one mint");
            }

            if (!byte.TryParse(entry["Decimals"], NumberStyles.None, CultureInfo.InvariantCulture, out var decimals))
            {
                MintProblem($"Decimals '{entry["Decimals"]}' is not an integer 0..255 (TransferChecked needs the mint's decimals)");
            }

            var program = (entry["TokenProgram"] ?? "Token") switch
            {
                "Token" => ProgramIds.Token,
                "Token2022" => ProgramIds.Token2022,
                var other => PublicKey.TryParse(other, out var id) && ProgramIds.IsTokenProgram(id) ? id : (PublicKey?)null,
            };
            if (program is null)
            {
                MintProblem($"TokenProgram '{entry["TokenProgram"]}' is neither Token nor Token2022");
            }

            if (count == 0)
            {
                mints[mint] = new SolanaAllowedMint(asset!, program!.Value, decimals);
            }
        }

        if (!section.GetChildren().Any())
        {
            problem("Mints (the allowlist: mint → {Asset, Decimals}) is empty");
        }

        return mints;
    }

    private static PublicKey? ReadKey(IConfigurationSection section, string key, Action<string> problem)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!PublicKey.TryParse(text, out var parsed) || parsed == PublicKey.Default)
        {
            problem($"{key} '{text}' is not a non-zero base58 address");
            return null;
        }

        return parsed;
    }
}
