using System.Numerics;
using System.Text.Json;
using Clearing.Chains.Evm;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Rpc;
using Clearing.Domain.Numerics;
using Clearing.Oracles.Aggregation;
using Clearing.Oracles.Sources;
using Clearing.TestKit;

namespace Clearing.Oracles.Tests;

/// <summary>One anvil for the class; each test deploys its own aggregator.</summary>
public sealed class OracleAnvilFixture : IAsyncLifetime
{
    private AnvilNode? node;

    public AnvilNode Node => node ?? throw new InvalidOperationException("anvil has not started.");

    public async Task InitializeAsync() => node = await AnvilNode.StartAsync(31337);

    public async Task DisposeAsync()
    {
        if (node is not null)
        {
            await node.DisposeAsync();
        }
    }
}

/// <summary>
/// The sources against the real chains: MockAggregator (contracts/evm) on anvil read through eth_call, and a price
/// account placed on the Solana devnet with devnet_setAccount read through getAccountInfo. Time is a manual clock;
/// the chains' own clocks play no part (a feed's publish time is the time it states).
/// </summary>
[Trait("RealComponent", "true")]
public sealed class OnChainSourceTests(OracleAnvilFixture anvil, SolanaDevnetFixture solana)
    : IClassFixture<OracleAnvilFixture>, IClassFixture<SolanaDevnetFixture>, IDisposable
{
    private const long Start = 1_800_000_000;
    private const long FeedHeartbeat = 3600;
    private const int FeedDecimals = 8;

    private static readonly AbiFunction SetAnswer = AbiFunction.Parse("setAnswer(int256 answer, uint256 updatedAt)");
    private static readonly AbiFunction SetRoundData =
        AbiFunction.Parse("setRoundData(uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)");

    private static readonly PublicKey Publisher = new(Enumerable.Repeat((byte)0xC1, 32).ToArray());

    private readonly HttpClient http = new();
    private readonly ManualClock clock = new(Start);

    public void Dispose() => http.Dispose();

    [Fact]
    public async Task Aggregator_answer_is_read_through_eth_call_and_excluded_once_stale()
    {
        var feed = await DeployAggregatorAsync();
        await SetAnswerAsync(feed, 2_000_12345678, Start - 30);
        var source = EvmSource(feed);
        using var oracle = new AssetOracle("ETH", [new(source, FeedHeartbeat)], new AggregationRules(1, 100), clock);

        var fresh = await oracle.RefreshAsync();
        await SetAnswerAsync(feed, 2_100_00000000, Start - FeedHeartbeat - 1);
        var stale = await oracle.RefreshAsync();

        Assert.Equal(AssetPriceStatus.Live, fresh.Status);
        Assert.Equal(Fixed.Parse("2000.12345678"), fresh.Quote!.Value.Price);
        Assert.Equal(Start - 30, fresh.Quote!.Value.PublishTime);

        var verdict = Assert.Single(stale.Sources);
        Assert.Equal(SourceUse.Stale, verdict.Use);
        Assert.Equal(Fixed.FromInt(2100), verdict.Observation!.Price);
        Assert.Equal(AssetPriceStatus.Unavailable, stale.Status);
        Assert.Null(stale.Quote);
        Assert.Equal(fresh.Quote, stale.LastGood);
    }

    [Fact]
    public async Task Aggregator_rounds_the_source_must_refuse_are_refused_on_chain()
    {
        var feed = await DeployAggregatorAsync();
        var source = EvmSource(feed);

        var noRounds = await source.ReadAsync();
        await SetRoundDataAsync(feed, roundId: 5, answer: 1_00000000, updatedAt: Start, answeredInRound: 4);
        var carriedOver = await source.ReadAsync();
        await SetRoundDataAsync(feed, roundId: 6, answer: -1, updatedAt: Start, answeredInRound: 6);
        var negative = await source.ReadAsync();

        Assert.Contains("latestRoundData() failed: JSON-RPC error", noRounds.FailureReason, StringComparison.Ordinal);
        Assert.Contains("round 5 carries the answer of round 4", carriedOver.FailureReason, StringComparison.Ordinal);
        Assert.Contains("round 6 answer -1 is not positive", negative.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Solana_price_account_placed_on_the_devnet_is_read_at_its_commitment()
    {
        var account = NewAccountKey(1);
        var source = SolanaSource(account);
        await PlacePriceAccountAsync(account, new SolanaPriceAccount("ETH", SolanaPriceAccount.StatusTrading, -6, 2_000_500_000, 750_000, Start - 5, 1));

        var beforeConfirmed = await source.ReadAsync();
        await solana.Devnet.AdvanceSlotsAsync(1);
        var confirmed = await source.ReadAsync();

        Assert.Contains("account does not exist at Confirmed", beforeConfirmed.FailureReason, StringComparison.Ordinal);
        Assert.True(confirmed.Succeeded, confirmed.FailureReason);
        Assert.Equal(new PriceObservation("ETH", Fixed.Parse("2000.5"), Fixed.Parse("0.75"), Start - 5, "solana-eth"), confirmed.Observation);
    }

    [Fact]
    public async Task Solana_account_owned_by_another_program_is_refused()
    {
        var account = NewAccountKey(2);
        var data = new SolanaPriceAccount("ETH", SolanaPriceAccount.StatusTrading, -6, 2_000_500_000, 0, Start, 1).Encode();
        await solana.Devnet.Rpc.CallAsync("devnet_setAccount", account.ToString(),
            new { lamports = 1_000_000_000, data = Convert.ToBase64String(data), owner = NewAccountKey(3).ToString() });
        await solana.Devnet.AdvanceSlotsAsync(1);

        var reading = await SolanaSource(account).ReadAsync();

        Assert.Contains($"is owned by {NewAccountKey(3)}, not the publisher program {Publisher}", reading.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Divergence_between_anvil_solana_and_the_operator_freezes_the_price_and_agreement_releases_it()
    {
        var feed = await DeployAggregatorAsync();
        await SetAnswerAsync(feed, 2_000_00000000, Start - 10);
        var account = NewAccountKey(4);
        await PlacePriceAccountAsync(account, new SolanaPriceAccount("ETH", SolanaPriceAccount.StatusTrading, -2, 200_100, 50, Start - 10, 1));
        await solana.Devnet.AdvanceSlotsAsync(1);
        var operatorFeed = new OperatorPriceFeed("operator", "ETH");
        operatorFeed.Set(Fixed.Parse("2000.4"), Fixed.Zero, Start);
        using var oracle = new AssetOracle(
            "ETH",
            [new(EvmSource(feed), FeedHeartbeat), new(SolanaSource(account), 60), new(operatorFeed, 600)],
            new AggregationRules(minimumFreshSources: 2, divergenceThresholdBps: 100),
            clock);

        var agreed = await oracle.RefreshAsync();

        // The EVM feed crashes to 1500 (a 25 % move the other two do not see): beyond 1 % of the median, frozen.
        clock.Advance(20);
        await SetAnswerAsync(feed, 1_500_00000000, Start + 15);
        var frozen = await oracle.RefreshAsync();

        // The Solana account and the operator follow; the three agree again and the price is live at the new level.
        clock.Advance(20);
        await PlacePriceAccountAsync(account, new SolanaPriceAccount("ETH", SolanaPriceAccount.StatusTrading, -2, 150_200, 50, Start + 35, 2));
        await solana.Devnet.AdvanceSlotsAsync(1);
        operatorFeed.Set(Fixed.Parse("1501"), Fixed.Zero, Start + 40);
        var recovered = await oracle.RefreshAsync();

        Assert.Equal(AssetPriceStatus.Live, agreed.Status);
        Assert.Equal(Fixed.Parse("2000.4"), agreed.Quote!.Value.Price);
        Assert.Equal(Fixed.Parse("0.6"), agreed.Quote!.Value.Confidence);
        Assert.All(agreed.Sources, v => Assert.Equal(SourceUse.Used, v.Use));

        Assert.True(frozen.Frozen);
        Assert.False(frozen.LiquidationsAllowed);
        Assert.Equal(agreed.Quote, frozen.Quote);
        Assert.Equal(Fixed.Parse("2000.4"), frozen.ObservedMedian);
        Assert.Equal(Fixed.Parse("500.4"), frozen.ObservedSpread);

        Assert.Equal(AssetPriceStatus.Live, recovered.Status);
        Assert.True(recovered.LiquidationsAllowed);
        Assert.Equal(Fixed.Parse("1501"), recovered.Quote!.Value.Price);
        Assert.Equal(Start + 15, recovered.Quote!.Value.PublishTime);
    }

    private EvmAggregatorPriceSource EvmSource(EvmAddress feed) =>
        new("chainlink-eth", "ETH", new EvmRpcClient(http, anvil.Node.Url), feed, BlockTag.Latest);

    private SolanaPriceAccountSource SolanaSource(PublicKey account) =>
        new("solana-eth", "ETH", new SolanaRpcClient(http, solana.Devnet.Url), account, Publisher, Commitment.Confirmed);

    private static PublicKey NewAccountKey(byte seed)
    {
        var bytes = new byte[32];
        bytes[0] = 0x0A;
        bytes[31] = seed;
        return new PublicKey(bytes);
    }

    private Task PlacePriceAccountAsync(PublicKey account, SolanaPriceAccount price) =>
        solana.Devnet.Rpc.CallAsync("devnet_setAccount", account.ToString(),
            new { lamports = 1_000_000_000, data = Convert.ToBase64String(price.Encode()), owner = Publisher.ToString() });

    private async Task<EvmAddress> DeployAggregatorAsync()
    {
        var path = Path.Combine(RepoPaths.Root, "contracts", "evm", "out", "MockAggregator.json");
        if (!File.Exists(path))
        {
            throw new MissingPrerequisiteException($"The EVM contract artifact {path}", "node contracts/evm/build.mjs");
        }

        using var artifact = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        byte[] bytecode = [.. Hex.Decode(artifact.RootElement.GetProperty("bytecode").GetString()!), .. AbiCodec.Encode("uint8,string", FeedDecimals, "ETH / USD")];
        var receipt = await SendAsync(null, bytecode);
        return EvmAddress.Parse(receipt.GetProperty("contractAddress").GetString()!);
    }

    private Task SetAnswerAsync(EvmAddress feed, long answer, long updatedAt) =>
        SendAsync(feed, SetAnswer.EncodeCall(new BigInteger(answer), new BigInteger(updatedAt)));

    private Task SetRoundDataAsync(EvmAddress feed, long roundId, long answer, long updatedAt, long answeredInRound) =>
        SendAsync(feed, SetRoundData.EncodeCall(new BigInteger(roundId), new BigInteger(answer), new BigInteger(updatedAt), new BigInteger(updatedAt), new BigInteger(answeredInRound)));

    /// <summary>A transaction from anvil's unlocked dev account 0; returns the receipt once mined, status checked.</summary>
    private async Task<JsonElement> SendAsync(EvmAddress? to, byte[] data)
    {
        var request = new Dictionary<string, string> { ["from"] = AnvilNode.DevAccount0, ["data"] = Hex.Encode(data) };
        if (to is { } address)
        {
            request["to"] = address.ToChecksumString();
        }

        var hash = (await anvil.Node.Rpc.CallAsync("eth_sendTransaction", request)).GetString()!;
        var receipt = default(JsonElement);
        await Wait.UntilAsync(
            async () => (receipt = await anvil.Node.Rpc.CallAsync("eth_getTransactionReceipt", hash)).ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(30),
            $"the receipt of {hash}");
        Assert.True(receipt.GetProperty("status").GetString() == "0x1", $"transaction {hash} reverted: {receipt}");
        return receipt;
    }
}
