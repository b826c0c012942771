using Clearing.Domain.Numerics;
using Clearing.Oracles.Aggregation;
using Clearing.Oracles.Sources;

namespace Clearing.Oracles.Tests;

public sealed class AssetOracleTests
{
    private const long Start = 1_800_000_000;

    [Fact]
    public async Task A_source_that_throws_counts_as_one_failed_source()
    {
        var clock = new ManualClock(Start);
        var a = Operator("a", "100", Start);
        var b = Operator("b", "100.2", Start);
        using var oracle = new AssetOracle("ETH", [new(a, 60), new(b, 60), new(new ThrowingSource(), 60)], new AggregationRules(2, 100), clock);

        var price = await oracle.RefreshAsync();

        Assert.Equal(AssetPriceStatus.Live, price.Status);
        Assert.Equal(Fixed.Parse("100.1"), price.Quote!.Value.Price);
        var thrown = Assert.Single(price.Sources, v => v.Use == SourceUse.Failed);
        Assert.Equal("read threw InvalidOperationException: socket closed", thrown.Reason);
        Assert.Same(price, oracle.Latest);
    }

    [Fact]
    public async Task Staleness_is_measured_on_the_injected_clock()
    {
        var clock = new ManualClock(Start);
        var feed = Operator("operator", "100", Start);
        using var oracle = new AssetOracle("ETH", [new(feed, 60)], new AggregationRules(1, 100), clock);

        var fresh = await oracle.RefreshAsync();
        clock.Advance(60);
        var lastFreshSecond = await oracle.RefreshAsync();
        clock.Advance(1);
        var stale = await oracle.RefreshAsync();

        Assert.Equal(AssetPriceStatus.Live, fresh.Status);
        Assert.Equal(AssetPriceStatus.Live, lastFreshSecond.Status);
        Assert.Equal(AssetPriceStatus.Unavailable, stale.Status);
        Assert.Equal(Start + 61, stale.EvaluatedAt);
        Assert.Equal(fresh.Quote, stale.LastGood);
    }

    [Fact]
    public async Task The_oracle_keeps_the_last_good_price_through_a_freeze_and_recovers()
    {
        var clock = new ManualClock(Start);
        var a = Operator("a", "2000", Start);
        var b = Operator("b", "2002", Start);
        using var oracle = new AssetOracle("ETH", [new(a, 60), new(b, 60)], new AggregationRules(2, 50), clock);

        var live = await oracle.RefreshAsync();
        clock.Advance(10);
        b.Set(Fixed.FromInt(2300), Fixed.Zero, clock.UnixSeconds);
        var frozen = await oracle.RefreshAsync();
        clock.Advance(10);
        var stillFrozen = await oracle.RefreshAsync();
        b.Set(Fixed.FromInt(2001), Fixed.Zero, clock.UnixSeconds);
        a.Set(Fixed.FromInt(2001), Fixed.Zero, clock.UnixSeconds);
        var recovered = await oracle.RefreshAsync();

        Assert.Equal(Fixed.FromInt(2001), live.Quote!.Value.Price);
        Assert.True(frozen.Frozen);
        Assert.False(frozen.LiquidationsAllowed);
        Assert.Equal(live.Quote, frozen.Quote);
        Assert.Equal(live.Quote, stillFrozen.Quote);
        Assert.True(recovered.LiquidationsAllowed);
        Assert.Equal(Fixed.FromInt(2001), recovered.Quote!.Value.Price);
        Assert.Equal(Start + 20, recovered.Quote!.Value.PublishTime);
    }

    [Fact]
    public void The_oracle_refuses_a_configuration_that_cannot_work()
    {
        var clock = new ManualClock(Start);
        var eth = new OperatorPriceFeed("operator", "ETH");

        Assert.Throws<ArgumentException>(() => new AssetOracle("ETH", [new(eth, 60)], new AggregationRules(2, 100), clock));
        Assert.Throws<ArgumentException>(() => new AssetOracle("ETH", [new(eth, 60), new(new OperatorPriceFeed("operator", "ETH"), 60)], new AggregationRules(1, 100), clock));
        Assert.Throws<ArgumentException>(() => new AssetOracle("ETH", [new(new OperatorPriceFeed("operator", "BTC"), 60)], new AggregationRules(1, 100), clock));
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new AssetOracle("ETH", [new(eth, 0)], new AggregationRules(1, 100), clock));
    }

    private static OperatorPriceFeed Operator(string name, string price, long publishTime)
    {
        var feed = new OperatorPriceFeed(name, "ETH");
        feed.Set(Fixed.Parse(price), Fixed.Zero, publishTime);
        return feed;
    }

    private sealed class ThrowingSource : IPriceSource
    {
        public string Name => "throwing";

        public string Asset => "ETH";

        public Task<PriceReading> ReadAsync(CancellationToken cancellationToken = default) => throw new InvalidOperationException("socket closed");
    }
}
