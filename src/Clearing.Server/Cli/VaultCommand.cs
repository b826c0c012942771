using System.CommandLine;
using System.Text.Json;
using Clearing.Chains.Evm;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Signing;
using Clearing.Chains.Evm.Vault;

namespace Clearing.Server.Cli;

/// <summary><c>clearing vault deploy</c>: deploys and configures an EVM vault with an operator key file.</summary>
public static class VaultCommand
{
    public const string DefaultArtifact = "contracts/evm/out/ClearingVault.json";

    public static Command Create()
    {
        var vault = new Command("vault", "Deploy and set up collateral vaults.");
        vault.Subcommands.Add(CreateDeploy());
        vault.Subcommands.Add(SolanaVaultInit.Create());
        return vault;
    }

    private static Command CreateDeploy()
    {
        var rpc = new Option<string>("--rpc") { Description = "JSON-RPC URL of the EVM node (http or https).", Required = true };
        var key = new Option<FileInfo>("--key") { Description = "Key file of the deploying key (`clearing keys new --chain evm`); it becomes the vault's admin.", Required = true };
        var tokens = new Option<string[]>("--token") { Description = "ERC-20 to allowlist (repeat for several; at least one).", Required = true, AllowMultipleArgumentsPerToken = true };
        var operators = new Option<string[]>("--operator") { Description = "Address granted OPERATOR_ROLE (withdraw, seize); repeatable.", AllowMultipleArgumentsPerToken = true };
        var pausers = new Option<string[]>("--pauser") { Description = "Address granted PAUSER_ROLE; repeatable.", AllowMultipleArgumentsPerToken = true };
        var artifact = new Option<FileInfo>("--artifact") { Description = $"ClearingVault build artifact (default {DefaultArtifact}; built by node contracts/evm/build.mjs)." };
        var command = new Command("deploy", "Deploy ClearingVault, allowlist tokens and grant roles; prints the vault address and its deployment block.")
        {
            rpc, key, tokens, operators, pausers, artifact,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var plan = new VaultDeploymentPlan(
                    ParseAddresses(parse.GetValue(tokens), "--token"),
                    ParseAddresses(parse.GetValue(operators), "--operator"),
                    ParseAddresses(parse.GetValue(pausers), "--pauser"));
                var bytecode = ReadBytecode(parse.GetValue(artifact)?.FullName ?? Path.GetFullPath(DefaultArtifact));
                var signer = EvmKeyFile.Load(parse.GetValue(key)!.FullName);
                using var http = new HttpClient();
                var client = new EvmRpcClient(http, ParseUrl(parse.GetValue(rpc)!));
                var chainId = (await client.GetChainIdAsync(cancellationToken)).Value;
                var deployed = await VaultDeployment.DeployAsync(new EvmTransactionSender(client, signer, chainId), bytecode, plan, cancellationToken);
                Console.Out.WriteLine(JsonSerializer.Serialize(new
                {
                    vault = deployed.Address.ToChecksumString(),
                    chainId,
                    deploymentBlock = deployed.DeploymentBlock,
                    transaction = deployed.TransactionHash,
                    admin = signer.Address.ToChecksumString(),
                }));
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidDataException or InvalidOperationException or Clearing.Chains.RpcException or HttpRequestException)
            {
                Console.Error.WriteLine($"clearing vault deploy: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    private static List<EvmAddress> ParseAddresses(string[]? values, string option) =>
        (values ?? []).Select(value => EvmAddress.TryParse(value, out var address) && !address.IsZero
            ? address
            : throw new ArgumentException($"{option} '{value}' is not a non-zero EVM address (0x and 40 hex digits, EIP-55 checksum if mixed case).")).ToList();

    private static Uri ParseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ArgumentException($"--rpc '{value}' is not an http(s) URL.");

    private static byte[] ReadBytecode(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No vault artifact at {path}: build it with `node contracts/evm/build.mjs` or pass --artifact.");
        }

        using var artifact = JsonDocument.Parse(File.ReadAllText(path));
        return Hex.Decode(artifact.RootElement.GetProperty("bytecode").GetString()
            ?? throw new InvalidDataException($"{path} has no bytecode."));
    }
}
