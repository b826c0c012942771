using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Clearing.Persistence;

namespace Clearing.Server.Demo;

/// <summary>A member credential the demo generated: key id and secret (the secret's file is mode 0600 in the work folder).</summary>
public sealed record DemoCredential(string MemberId, string KeyId, byte[] Secret);

/// <summary>The service configuration the demo wrote: the <c>clearing serve --config</c> file and the credentials in it.</summary>
public sealed record DemoServiceConfiguration(string ConfigFile, string RiskFile, DemoCredential Member, DemoCredential Operator);

/// <summary>
/// Writes what an operator prepares for <c>clearing serve</c> (src/Clearing.Server/Api/README.md, Chains/README.md):
/// a member with a freshly generated secret owning the demo's accounts, an operator credential, the risk file (assets,
/// collateral per chain, the perp market, liquidation parameters), both EVM chains and the Solana custody.
/// </summary>
public static class DemoConfiguration
{
    public const string MemberId = "demo-member";
    public const string OperatorId = "demo-operator";

    /// <summary>The demo's three accounts, one per chain.</summary>
    public static readonly IReadOnlyList<string> Accounts = [DemoScenario.Alice, DemoScenario.Bob, DemoScenario.Carol];

    public static DemoServiceConfiguration Write(string folder, DemoDeployment deployment, PersistenceOptions persistence, string hostId)
    {
        var member = NewCredential(folder, MemberId, out var memberSecretFile);
        var operatorCredential = NewCredential(folder, OperatorId, out var operatorSecretFile);
        var riskFile = Path.Combine(folder, "risk.json");
        File.WriteAllText(riskFile, RiskFile(deployment));
        var evmChains = deployment.EvmChains.ToDictionary(
            c => c.Chain.Name,
            c => (object)new Dictionary<string, object>
            {
                ["RpcUrl"] = c.Chain.RpcUrl.ToString(),
                ["ChainId"] = c.Chain.ChainId.ToString(CultureInfo.InvariantCulture),
                ["VaultAddress"] = c.Vault.ToChecksumString(),
                ["StartBlock"] = c.DeploymentBlock.ToString(CultureInfo.InvariantCulture),
                ["Tokens"] = new Dictionary<string, string> { [c.Token.ToChecksumString()] = c.Asset },
                ["OperatorKeyFile"] = c.OperatorKeyFile,
                ["LiquidationReceiver"] = c.LiquidationReceiver.ToChecksumString(),
                ["PollIntervalMs"] = "250",
            });
        var configFile = Path.Combine(folder, "serve.json");
        File.WriteAllText(configFile, JsonSerializer.Serialize(
            new
            {
                Persistence = new { persistence.Provider, persistence.ConnectionString },
                Clearing = new
                {
                    HostId = hostId,
                    Risk = new { File = riskFile },
                    Members = new Dictionary<string, object>
                    {
                        [MemberId] = new { KeyId = member.KeyId, SecretFile = memberSecretFile, Accounts },
                        [OperatorId] = new { KeyId = operatorCredential.KeyId, SecretFile = operatorSecretFile, Role = "operator" },
                    },
                    Evm = new { Chains = evmChains },
                    Solana = new Dictionary<string, object>
                    {
                        ["Chain"] = LocalChains.SolanaName,
                        ["RpcUrl"] = deployment.Solana.RpcUrl.ToString(),
                        ["VaultKeyFile"] = deployment.Solana.AuthorityKeyFile,
                        ["Mints"] = new Dictionary<string, object>
                        {
                            [deployment.Solana.Mint.ToString()] = new Dictionary<string, string>
                            {
                                ["Asset"] = deployment.Solana.Asset,
                                ["Decimals"] = deployment.Solana.Decimals.ToString(CultureInfo.InvariantCulture),
                                ["TokenProgram"] = "Token",
                            },
                        },
                        ["LiquidationReceiver"] = deployment.Solana.LiquidationReceiver.ToString(),
                        ["PollIntervalMs"] = "250",
                    },
                    // WETH is priced by its Chainlink-style feed on chain B (read with latestRoundData), so its fall is a
                    // transaction on chain B and survives a restart of the service. A day's heartbeat: the demo's price
                    // never goes stale while it serves.
                    Oracles = new Dictionary<string, object>
                    {
                        ["RefreshIntervalMs"] = "250",
                        ["Assets"] = new Dictionary<string, object>
                        {
                            [DemoDeployer.WethAsset] = new
                            {
                                Sources = new Dictionary<string, object>
                                {
                                    ["chain-b-feed"] = new Dictionary<string, string>
                                    {
                                        ["Kind"] = "evm-aggregator",
                                        ["Chain"] = deployment.ChainB.Chain.Name,
                                        ["Address"] = (deployment.ChainB.PriceFeed ?? throw new InvalidOperationException("chain B has no WETH/USD feed")).ToChecksumString(),
                                        ["HeartbeatSeconds"] = "86400",
                                    },
                                },
                            },
                        },
                    },
                },
            },
            new JsonSerializerOptions { WriteIndented = true }));
        return new DemoServiceConfiguration(configFile, riskFile, member, operatorCredential);
    }

    /// <summary>
    /// USDC (6 decimals, $1) on chain A and on Solana, WETH (18 decimals, $2,500) on chain B; settlement in USDC on chain A;
    /// one perp market, BTC-PERP (so WETH's fall moves only collateral, never a position's mark). WETH counts 70 % toward initial and 80 % toward maintenance health, so a fall in its price
    /// is what pushes a depositor who owes USDC against WETH under maintenance.
    /// </summary>
    private static string RiskFile(DemoDeployment deployment) => $$"""
        {"assets":[{"symbol":"USDC","decimals":6,"price":"1"},{"symbol":"WETH","decimals":18,"price":"{{DemoScenario.WethPriceBefore}}"}],
         "settlement":{"chain":"{{deployment.ChainA.Chain.Name}}","asset":"USDC"},
         "collateral":[
           {"chain":"{{deployment.ChainA.Chain.Name}}","asset":"USDC","initWeight":"1","maintWeight":"1","initLiabilityWeight":"1","maintLiabilityWeight":"1"},
           {"chain":"{{deployment.ChainB.Chain.Name}}","asset":"WETH","initWeight":"0.7","maintWeight":"0.8","initLiabilityWeight":"1.3","maintLiabilityWeight":"1.2"},
           {"chain":"{{LocalChains.SolanaName}}","asset":"USDC","initWeight":"1","maintWeight":"1","initLiabilityWeight":"1","maintLiabilityWeight":"1"}],
         "markets":[{"symbol":"{{DemoScenario.Market}}","markPrice":"{{DemoScenario.BtcPrice}}","initialMarginRatio":"0.1","maintenanceMarginRatio":"0.05"}],
         "liquidation":{"buffer":"0.02","positionPenalty":"0.01","collateralPenalty":"0.02","liquidatorShare":"0.5"},
         "accounts":[]}
        """;

    private static DemoCredential NewCredential(string folder, string memberId, out string secretFile)
    {
        // 32 random bytes as hex: the secret is text in a file, and HMAC uses its UTF-8 bytes.
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        secretFile = Path.Combine(folder, memberId + ".secret");
        File.WriteAllText(secretFile, secret + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return new DemoCredential(memberId, memberId + "-1", Encoding.UTF8.GetBytes(secret));
    }
}
