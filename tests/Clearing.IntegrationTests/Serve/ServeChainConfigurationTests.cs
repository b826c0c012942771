using Clearing.Chains.Solana.Signing;
using Clearing.Server.Api;
using Clearing.Server.Cli;
using Clearing.TestKit;
using Microsoft.Extensions.Configuration;

namespace Clearing.IntegrationTests.Serve;

/// <summary>`clearing serve` with a chain it cannot run safely: it names every problem and never listens.</summary>
public sealed class ServeChainConfigurationTests : IDisposable
{
    private readonly ServeFolder folder = new();

    [Fact]
    public async Task Serve_with_a_bad_chain_config_exits_2_without_listening_and_names_every_problem()
    {
        var config = folder.WriteConfig(new Dictionary<string, object>
        {
            ["evm-a"] = new
            {
                RpcUrl = "ftp://127.0.0.1:8545",
                ChainId = "31337",
                VaultAddress = "0x0000000000000000000000000000000000000000",
                OperatorKeyFile = folder.File("missing.key"),
            },
            ["evm-b"] = new
            {
                RpcUrl = "http://127.0.0.1:8546",
                ChainId = "31338",
                Tokens = new Dictionary<string, string> { ["0x5FbDB2315678afecb367f032d93F642f64180aa3"] = "USDC" },
            },
        });
        var port = FreePort.Next();

        var exitCode = await ClearingCli.Build().Parse(["serve", "--config", config, "--urls", $"http://127.0.0.1:{port}"]).InvokeAsync();
        var refusal = Assert.Throws<ApiConfigurationException>(() => ClearingApiHost.Build([], builder => builder.Configuration.AddJsonFile(config)));

        Assert.Equal(2, exitCode);
        Assert.False(ServeFolder.Listening(port), "nothing may listen after a refused start");
        Assert.Contains("Clearing:Evm:Chains:evm-a: RpcUrl 'ftp://127.0.0.1:8545' is not an http(s) URL", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Clearing:Evm:Chains:evm-a: VaultAddress is the zero address", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Clearing:Evm:Chains:evm-a: Tokens (the allowlist: token address → asset symbol) is empty", refusal.Message, StringComparison.Ordinal);
        Assert.Contains($"Clearing:Evm:Chains:evm-a: OperatorKeyFile '{folder.File("missing.key")}' does not exist", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Clearing:Evm:Chains:evm-b: VaultAddress is missing", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Clearing:Evm:Chains:evm-b: OperatorKeyFile is missing", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("(6 problem(s))", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_file_that_holds_no_key_is_refused_without_echoing_its_content()
    {
        const string NotAKey = "0xnot-a-key-but-maybe-a-secret";
        var keyFile = folder.File("operator.key");
        File.WriteAllText(keyFile, NotAKey);
        var config = folder.WriteConfig(new Dictionary<string, object>
        {
            ["evm-a"] = new
            {
                RpcUrl = "http://127.0.0.1:8545",
                ChainId = "31337",
                VaultAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
                Tokens = new Dictionary<string, string> { ["0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"] = "USDC" },
                OperatorKeyFile = keyFile,
            },
        });

        var refusal = Assert.Throws<ApiConfigurationException>(() => ClearingApiHost.Build([], builder => builder.Configuration.AddJsonFile(config)));

        Assert.Contains($"Key file '{keyFile}' is malformed", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(NotAKey, refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ChainId", "abc", "ChainId 'abc' is not a non-negative integer")]
    [InlineData("ChainId", "0", "ChainId is 0")]
    [InlineData("RpcUrl", "", "RpcUrl is missing")]
    [InlineData("RpcUrl", "127.0.0.1:8545", "RpcUrl '127.0.0.1:8545' is not an http(s) URL")]
    [InlineData("VaultAddress", "0x1234", "VaultAddress '0x1234' is not a 20-byte hex address")]
    [InlineData("PollIntervalMs", "0", "PollIntervalMs must be between 1 and 2147483647 ms")]
    [InlineData("StartBlock", "-1", "StartBlock '-1' is not a non-negative integer")]
    [InlineData("LiquidationReceiver", "0x0000000000000000000000000000000000000000", "LiquidationReceiver is the zero address (seized collateral would be burned)")]
    [InlineData("LiquidationReceiver", "receiver", "LiquidationReceiver 'receiver' is not a 20-byte hex address")]
    public void One_bad_value_in_an_otherwise_good_chain_is_the_one_problem_named(string key, string value, string problem)
    {
        var keyFile = folder.File("operator.key");
        File.WriteAllText(keyFile, AnvilNode.DevAccount0PrivateKey + "\n");
        var chain = new Dictionary<string, object>
        {
            ["RpcUrl"] = "http://127.0.0.1:8545",
            ["ChainId"] = "31337",
            ["VaultAddress"] = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            ["Tokens"] = new Dictionary<string, string> { ["0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"] = "USDC" },
            ["OperatorKeyFile"] = keyFile,
            [key] = value,
        };
        var config = folder.WriteConfig(new Dictionary<string, object> { ["evm-a"] = chain });

        var refusal = Assert.Throws<ApiConfigurationException>(() => ClearingApiHost.Build([], builder => builder.Configuration.AddJsonFile(config)));

        Assert.Equal($"Clearing:Evm:Chains is unusable (1 problem(s)): Clearing:Evm:Chains:evm-a: {problem}.", refusal.Message);
    }

    [Fact]
    public async Task Serve_with_an_unusable_solana_section_exits_2_without_listening_and_names_every_problem()
    {
        var config = folder.WriteConfig(new Dictionary<string, object>(), solana: new
        {
            RpcUrl = "ftp://127.0.0.1:8899",
            Mints = new Dictionary<string, object>(),
        });
        var port = FreePort.Next();

        var exitCode = await ClearingCli.Build().Parse(["serve", "--config", config, "--urls", $"http://127.0.0.1:{port}"]).InvokeAsync();
        var refusal = Assert.Throws<ApiConfigurationException>(() => ClearingApiHost.Build([], builder => builder.Configuration.AddJsonFile(config)));

        Assert.Equal(2, exitCode);
        Assert.False(ServeFolder.Listening(port), "nothing may listen after a refused start");
        Assert.Equal(
            "Clearing:Solana is unusable (4 problem(s)): Clearing:Solana: RpcUrl 'ftp://127.0.0.1:8899' is not an http(s) URL; "
            + "Clearing:Solana: VaultKeyFile is missing (the vault authority's key file from `clearing keys new --chain solana`); "
            + "Clearing:Solana: Mints (the allowlist: mint → {Asset, Decimals}) is empty; "
            + "Clearing:Solana: LiquidationReceiver is missing (the wallet that receives seized collateral).",
            refusal.Message);
    }

    [Fact]
    public void A_solana_key_file_that_holds_no_key_is_refused_without_echoing_its_content()
    {
        const string NotAKey = "[1,2,3,\"maybe-a-secret\"]";
        var keyFile = folder.File("vault.json");
        File.WriteAllText(keyFile, NotAKey);
        var config = folder.WriteConfig(new Dictionary<string, object>(), solana: GoodSolana(keyFile));

        var refusal = Assert.Throws<ApiConfigurationException>(() => ClearingApiHost.Build([], builder => builder.Configuration.AddJsonFile(config)));

        Assert.Contains($"{keyFile} is not a Solana key file", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("maybe-a-secret", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Mints:" + Mint + ":Asset", "", "Mints:" + Mint + ": names no Asset symbol")]
    [InlineData("Mints:" + Mint + ":Decimals", "six", "Mints:" + Mint + ": Decimals 'six' is not an integer 0..255 (TransferChecked needs the mint's decimals)")]
    [InlineData("Mints:" + Mint + ":TokenProgram", "Token2023", "Mints:" + Mint + ": TokenProgram 'Token2023' is neither Token nor Token2022")]
    [InlineData("LiquidationReceiver", "0OIl", "LiquidationReceiver '0OIl' is not a non-zero base58 address")]
    [InlineData("LiquidationReceiver", TheVaultAuthority, "LiquidationReceiver is the vault authority itself; seized collateral would stay in the vault")]
    [InlineData("SolVault", "11111111111111111111111111111111", "SolVault '11111111111111111111111111111111' is not a non-zero base58 address")]
    [InlineData("PollIntervalMs", "0", "PollIntervalMs must be between 1 and 2147483647 ms")]
    public void One_bad_value_in_an_otherwise_good_solana_section_is_the_one_problem_named(string key, string value, string problem)
    {
        var keyFile = folder.File("vault.json");
        File.WriteAllText(keyFile, System.Text.Json.JsonSerializer.Serialize(VaultKey.ExportSecretKey().Select(b => (int)b)));
        var config = folder.WriteConfig(new Dictionary<string, object>(), solana: GoodSolana(keyFile));

        var refusal = Assert.Throws<ApiConfigurationException>(() => ClearingApiHost.Build([], builder =>
        {
            builder.Configuration.AddJsonFile(config);
            builder.Configuration.AddInMemoryCollection([new($"Clearing:Solana:{key}", value == TheVaultAuthority ? VaultKey.PublicKey.ToString() : value)]);
        }));

        Assert.Equal($"Clearing:Solana is unusable (1 problem(s)): Clearing:Solana: {problem}.", refusal.Message);
    }

    [Fact]
    public void Problems_in_several_sections_are_named_together()
    {
        var config = folder.WriteConfig(
            new Dictionary<string, object> { ["evm-a"] = new { RpcUrl = "http://127.0.0.1:8545", ChainId = "31337" } },
            solana: new { RpcUrl = "http://127.0.0.1:8899" },
            oracles: new { Assets = new Dictionary<string, object> { ["ETH"] = new { Sources = new { desk = new { Kind = "operator" } } } } });

        var refusal = Assert.Throws<ApiConfigurationException>(() => ClearingApiHost.Build([], builder => builder.Configuration.AddJsonFile(config)));

        Assert.StartsWith("Clearing:Oracles is unusable (1 problem(s)): Clearing:Oracles:Assets:ETH:Sources:desk: HeartbeatSeconds is missing. ", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(" Clearing:Evm:Chains is unusable (3 problem(s)): ", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(" Clearing:Solana is unusable (3 problem(s)): ", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unusable_oracles_section_is_refused_with_every_problem_named()
    {
        var config = folder.WriteConfig(new Dictionary<string, object>(), oracles: new
        {
            DivergenceThresholdBps = "20000",
            Assets = new Dictionary<string, object>
            {
                ["ETH"] = new
                {
                    Sources = new Dictionary<string, object>
                    {
                        ["chainlink"] = new { Kind = "evm-aggregator", Chain = "nowhere", Address = "0x0000000000000000000000000000000000000000", HeartbeatSeconds = "3600" },
                        ["pyth"] = new { Kind = "solana-account", Account = "not-base58!", Publisher = "11111111111111111111111111111111" },
                        ["desk"] = new { Kind = "telepathy", HeartbeatSeconds = "60" },
                    },
                },
                ["BTC"] = new { },
            },
        });

        var refusal = Assert.Throws<ApiConfigurationException>(() => ClearingApiHost.Build([], builder => builder.Configuration.AddJsonFile(config)));

        Assert.Equal(
            "Clearing:Oracles is unusable (9 problem(s)): Clearing:Oracles: DivergenceThresholdBps '20000' is not an integer between 0 and 10000; "
            + "Clearing:Oracles: Assets:BTC has no Sources; "
            + "Clearing:Oracles:Assets:ETH:Sources:chainlink: Chain 'nowhere' is not a configured EVM chain with an RpcUrl; "
            + "Clearing:Oracles:Assets:ETH:Sources:chainlink: Address '0x0000000000000000000000000000000000000000' is not a non-zero aggregator address; "
            + "Clearing:Oracles:Assets:ETH:Sources:desk: Kind 'telepathy' is not evm-aggregator, solana-account or operator; "
            + "Clearing:Oracles:Assets:ETH:Sources:pyth: HeartbeatSeconds is missing; "
            + "Clearing:Oracles:Assets:ETH:Sources:pyth: a Solana source needs Clearing:Solana:RpcUrl; "
            + "Clearing:Oracles:Assets:ETH:Sources:pyth: Account 'not-base58!' is not a non-zero base58 address; "
            + "Clearing:Oracles:Assets:ETH:Sources:pyth: Publisher '11111111111111111111111111111111' is not a non-zero base58 program id (the owner the account must have).",
            refusal.Message);
    }

    /// <summary>A fixed local test key (seed 0x5E × 32), the vault authority of the good section.</summary>
    private static readonly Keypair VaultKey = Keypair.FromSeed(Enumerable.Repeat((byte)0x5E, 32).ToArray());

    private const string Mint = "So11111111111111111111111111111111111111112";

    /// <summary>Stands for the vault authority's public key in a table row (replaced by it).</summary>
    private const string TheVaultAuthority = "<the vault authority>";

    private static object GoodSolana(string keyFile) => new Dictionary<string, object>
    {
        ["RpcUrl"] = "http://127.0.0.1:8899",
        ["VaultKeyFile"] = keyFile,
        ["Mints"] = new Dictionary<string, object> { [Mint] = new { Asset = "USDC", Decimals = "6" } },
        ["LiquidationReceiver"] = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
    };

    public void Dispose() => folder.Dispose();
}
