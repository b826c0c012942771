using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Solana.Encoding;
using Clearing.IntegrationTests.Solana;
using Clearing.Persistence;
using Clearing.Server.Api;
using Clearing.TestKit;
using Microsoft.Data.Sqlite;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// What an operator prepares for <c>clearing serve</c>: a temp folder with a risk file (USDC collateral on
/// <see cref="Chain"/>), member m1's secret file (m1 owns "alice"), a SQLite database and the JSON config file.
/// </summary>
internal sealed class ServeFolder : IDisposable
{
    public const string Chain = "evm-a";
    public const string Secret = "serve-chains-secret-0123456789";
    public const string SolanaChain = "solana-devnet";
    public const string OperatorKeyId = "ops-key";
    public const string OperatorSecret = "serve-operator-secret-0123456789";

    public string Path { get; } = Directory.CreateTempSubdirectory("clearing-serve-chains-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The database serve runs on: SQLite in the folder unless a test sets PostgreSQL.</summary>
    public PersistenceOptions Database { get; set; }

    public ServeFolder() =>
        Database = new PersistenceOptions { Provider = "sqlite", ConnectionString = $"Data Source={File("clearing.sqlite")}" };

    /// <summary>
    /// Writes the config file with <paramref name="chains"/> as <c>Clearing:Evm:Chains</c>, and optionally
    /// <c>Clearing:Solana</c> and <c>Clearing:Oracles</c>; returns its path. The risk file accepts USDC on
    /// <see cref="Chain"/> and on <see cref="SolanaChain"/>, ETH on <see cref="Chain"/> and JUP on both
    /// (settlement: USDC on <see cref="Chain"/>); member m1 owns "alice",
    /// member "ops" holds the operator credential.
    /// </summary>
    public string WriteConfig(object chains, object? solana = null, object? oracles = null)
    {
        var risk = File("risk.json");
        System.IO.File.WriteAllText(risk, $$"""
            {"assets":[{"symbol":"USDC","decimals":6,"price":"1"},{"symbol":"ETH","decimals":18,"price":"2000"},{"symbol":"JUP","decimals":6,"price":"1"}],
             "collateral":[{"chain":"{{Chain}}","asset":"USDC","initWeight":"1","maintWeight":"1","initLiabilityWeight":"1","maintLiabilityWeight":"1"},
                           {"chain":"{{SolanaChain}}","asset":"USDC","initWeight":"1","maintWeight":"1","initLiabilityWeight":"1","maintLiabilityWeight":"1"},
                           {"chain":"{{Chain}}","asset":"ETH","initWeight":"0.8","maintWeight":"0.9","initLiabilityWeight":"1.2","maintLiabilityWeight":"1.1"},
                           {"chain":"{{SolanaChain}}","asset":"JUP","initWeight":"0.8","maintWeight":"0.9","initLiabilityWeight":"1.2","maintLiabilityWeight":"1.1"},
                           {"chain":"{{Chain}}","asset":"JUP","initWeight":"0.8","maintWeight":"0.9","initLiabilityWeight":"1.2","maintLiabilityWeight":"1.1"}],
             "markets":[{"symbol":"ETH-PERP","markPrice":"2000","initialMarginRatio":"0.1","maintenanceMarginRatio":"0.05"}],
             "accounts":[]}
            """);
        var secretFile = File("m1.secret");
        System.IO.File.WriteAllText(secretFile, Secret + "\n");
        var operatorSecretFile = File("ops.secret");
        System.IO.File.WriteAllText(operatorSecretFile, OperatorSecret + "\n");
        var clearing = new Dictionary<string, object>
        {
            ["HostId"] = "serve-chains-test",
            ["Risk"] = new { File = risk },
            ["Members"] = new
            {
                m1 = new { KeyId = "m1-key", SecretFile = secretFile, Accounts = new[] { "alice" } },
                ops = new { KeyId = OperatorKeyId, SecretFile = operatorSecretFile, Role = "operator", Accounts = Array.Empty<string>() },
            },
            ["Evm"] = new { Chains = chains },
        };
        if (solana is not null)
        {
            clearing["Solana"] = solana;
        }

        if (oracles is not null)
        {
            clearing["Oracles"] = oracles;
        }

        var config = File("serve.json");
        System.IO.File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            Persistence = new { Database.Provider, Database.ConnectionString },
            Clearing = clearing,
        }));
        return config;
    }

    /// <summary>
    /// The <c>Clearing:Evm:Chains</c> entry serving anvil <paramref name="node"/> as <see cref="Chain"/>: its
    /// <paramref name="vault"/> with one allowlisted <paramref name="token"/> (<paramref name="asset"/>), polled every
    /// 100 ms, operated with anvil's dev key 0 (a public LOCAL DEVNET key, admin and operator of the test vaults) written
    /// as the key file; seized collateral goes to <paramref name="liquidationReceiver"/> when given.
    /// </summary>
    public async Task<Dictionary<string, object>> AnvilChainAsync(AnvilNode node, EvmAddress vault, EvmAddress token, string asset, EvmAddress? liquidationReceiver = null)
    {
        var keyFile = File("operator.key");
        await System.IO.File.WriteAllTextAsync(keyFile, AnvilNode.DevAccount0PrivateKey + "\n");
        var settings = new Dictionary<string, object>
        {
            ["RpcUrl"] = node.Url.ToString(),
            ["ChainId"] = node.ChainId.ToString(CultureInfo.InvariantCulture),
            ["VaultAddress"] = vault.ToChecksumString(),
            ["Tokens"] = new Dictionary<string, string> { [token.ToChecksumString()] = asset },
            ["OperatorKeyFile"] = keyFile,
            ["PollIntervalMs"] = "100",
        };
        if (liquidationReceiver is { } receiver)
        {
            settings["LiquidationReceiver"] = receiver.ToChecksumString();
        }

        return new Dictionary<string, object> { [Chain] = settings };
    }

    /// <summary>
    /// The <c>Clearing:Solana</c> section serving <paramref name="scenario"/>'s vault on the devnet at
    /// <paramref name="rpcUrl"/> as <see cref="SolanaChain"/>: its mint allowlisted as <paramref name="asset"/>
    /// (6 decimals), the vault authority's key written as the key file, polled every 100 ms, seized collateral to
    /// <paramref name="liquidationReceiver"/>.
    /// </summary>
    public async Task<object> SolanaChainAsync(Uri rpcUrl, SolanaVaultScenario scenario, string asset, PublicKey liquidationReceiver)
    {
        var keyFile = File("vault.json");
        await System.IO.File.WriteAllTextAsync(keyFile, JsonSerializer.Serialize(scenario.Authority.ExportSecretKey().Select(b => (int)b)));
        return new
        {
            Chain = SolanaChain,
            RpcUrl = rpcUrl.ToString(),
            VaultKeyFile = keyFile,
            Mints = new Dictionary<string, object> { [scenario.Mint.PublicKey.ToString()] = new { Asset = asset, Decimals = "6" } },
            LiquidationReceiver = liquidationReceiver.ToString(),
            PollIntervalMs = "100",
        };
    }

    /// <summary>The <c>Clearing:Oracles</c> section pricing <paramref name="asset"/> by the operator alone (refreshed every 100 ms, 600 s heartbeat).</summary>
    public static object OperatorPricedOracles(string asset) => new
    {
        RefreshIntervalMs = "100",
        Assets = new Dictionary<string, object> { [asset] = new { Sources = new { desk = new { Kind = "operator", HeartbeatSeconds = "600" } } } },
    };

    /// <summary>A request signed as member m1 against the real clock (serve runs on TimeProvider.System).</summary>
    public static HttpRequestMessage Signed(HttpMethod method, string pathAndQuery, string body = "", string? idempotencyKey = null) =>
        Signed(method, pathAndQuery, body, idempotencyKey, "m1-key", Secret);

    /// <summary>A request signed with the operator credential.</summary>
    public static HttpRequestMessage SignedAsOperator(HttpMethod method, string pathAndQuery, string body = "") =>
        Signed(method, pathAndQuery, body, null, OperatorKeyId, OperatorSecret);

    private static HttpRequestMessage Signed(HttpMethod method, string pathAndQuery, string body, string? idempotencyKey, string keyId, string secret) =>
        RequestSignature.CreateSignedRequest(method, pathAndQuery, body, keyId, Encoding.UTF8.GetBytes(secret), idempotencyKey);

    public static bool Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        // Pooled connections keep the SQLite file open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}
