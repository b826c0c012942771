using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Oracles.Aggregation;
using Clearing.Oracles.Sources;

namespace Clearing.Oracles.Tests;

public sealed class PriceAggregationTests
{
    private const long Now = 1_800_000_000;
    private const long Heartbeat = 60;
    private static readonly AggregationRules OneSourceOnePercent = new(minimumFreshSources: 1, divergenceThresholdBps: 100);

    [Theory]
    [InlineData(new[] { "5" }, "5")]
    [InlineData(new[] { "1", "3", "2" }, "2")]
    [InlineData(new[] { "2", "9", "2" }, "2")]
    [InlineData(new[] { "10", "1", "7", "3", "5" }, "5")]
    [InlineData(new[] { "1", "2" }, "1.5")]
    [InlineData(new[] { "4", "1", "3", "2" }, "2.5")]
    [InlineData(new[] { "2000.1", "2000.2" }, "2000.15")]
    // Even count, odd raw sum: the mean of the middle two is rounded toward −∞ at 10^-18.
    [InlineData(new[] { "0.000000000000000001", "0.000000000000000002" }, "0.000000000000000001")]
    [InlineData(new[] { "1", "1.000000000000000001", "7", "0.5" }, "1")]
    public void Median_is_the_middle_value_or_the_rounded_down_mean_of_the_middle_two(string[] prices, string expected)
    {
        Assert.Equal(Fixed.Parse(expected), PriceAggregation.Median(prices.Select(Fixed.Parse)));
    }

    [Fact]
    public void Median_of_the_largest_prices_does_not_overflow()
    {
        Assert.Equal(Fixed.FromRaw(Int128.MaxValue - 1), PriceAggregation.Median([Fixed.FromRaw(Int128.MaxValue - 2), Fixed.MaxValue]));
    }

    [Theory]
    [InlineData(0, SourceUse.Used)]
    [InlineData(Heartbeat, SourceUse.Used)]
    [InlineData(Heartbeat + 1, SourceUse.Stale)]
    [InlineData(86_400, SourceUse.Stale)]
    // Clock skew: a publish time ahead of now counts as age 0, as in Domain's PricePolicy, up to the tolerated skew;
    // beyond it the reading is refused, or a dead source stamped in the future would stay fresh until then.
    [InlineData(-AggregationRules.DefaultMaxFutureSkewSeconds, SourceUse.Used)]
    [InlineData(-AggregationRules.DefaultMaxFutureSkewSeconds - 1, SourceUse.Failed)]
    [InlineData(-365 * 86_400, SourceUse.Failed)]
    public void A_source_older_than_its_heartbeat_is_excluded(long ageSeconds, SourceUse expected)
    {
        var result = Aggregate(OneSourceOnePercent, null, Sample("feed", "100", "0", Now - ageSeconds));

        var verdict = Assert.Single(result.Sources);
        Assert.Equal(expected, verdict.Use);
        Assert.Equal(expected == SourceUse.Used ? AssetPriceStatus.Live : AssetPriceStatus.Unavailable, result.Status);
    }

    [Fact]
    public void A_reading_stamped_beyond_the_tolerated_skew_says_how_far_ahead_it_is()
    {
        var result = Aggregate(new AggregationRules(1, 100, maxFutureSkewSeconds: 5), null, Sample("ahead", "100", "0", Now + 6));

        Assert.Equal("published 6 s in the future, at most 5 s tolerated", Assert.Single(result.Sources).Reason);
    }

    [Theory]
    [InlineData("0", "0", "price must be positive, was 0")]
    [InlineData("-1", "0", "price must be positive, was -1")]
    [InlineData("1", "-0.5", "confidence must not be negative, was -0.5")]
    public void A_source_cannot_produce_an_impossible_observation(string price, string confidence, string reason)
    {
        var reading = Observed("feed", price, confidence, Now);

        Assert.False(reading.Succeeded);
        Assert.Equal(reason, reading.FailureReason);
    }

    [Fact]
    public void Each_source_is_judged_by_its_own_heartbeat()
    {
        var rules = new AggregationRules(2, 100);
        var result = Aggregate(rules, null,
            new SourceSample(Observed("slow-feed", "100", "0", Now - 3000), HeartbeatSeconds: 3600),
            new SourceSample(Observed("fast-feed", "100.5", "0", Now - 3000), HeartbeatSeconds: 60));

        Assert.Equal(AssetPriceStatus.Unavailable, result.Status);
        Assert.Equal(SourceUse.Used, result.Sources[0].Use);
        Assert.Equal(SourceUse.Stale, result.Sources[1].Use);
        Assert.Contains("published 3000 s ago, heartbeat 60 s", result.Sources[1].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1, AssetPriceStatus.Live)]
    [InlineData(2, 2, AssetPriceStatus.Live)]
    [InlineData(2, 1, AssetPriceStatus.Unavailable)]
    [InlineData(3, 2, AssetPriceStatus.Unavailable)]
    public void Fewer_fresh_sources_than_the_minimum_give_no_price(int minimum, int freshCount, AssetPriceStatus expected)
    {
        var samples = new List<SourceSample>();
        for (int i = 0; i < freshCount; i++)
        {
            samples.Add(Sample($"fresh-{i}", "100", "0", Now));
        }

        // Stale and failed sources never count toward the minimum.
        samples.Add(Sample("stale", "100", "0", Now - Heartbeat - 1));
        samples.Add(new SourceSample(PriceReading.Failed("broken", "ETH", "node unreachable"), Heartbeat));

        var lastGood = new PriceQuote(Fixed.FromInt(99), Fixed.Zero, Now - 500);
        var result = Aggregate(new AggregationRules(minimum, 100), lastGood, [.. samples]);

        Assert.Equal(expected, result.Status);
        if (expected == AssetPriceStatus.Unavailable)
        {
            Assert.Null(result.Quote);
            Assert.False(result.LiquidationsAllowed);
            Assert.Equal($"{freshCount} fresh source(s), at least {minimum} required", result.Reason);
            Assert.Equal(lastGood, result.LastGood);
        }
        else
        {
            Assert.Equal(Fixed.FromInt(100), result.Quote!.Value.Price);
            Assert.True(result.LiquidationsAllowed);
        }

        Assert.Equal(SourceUse.Failed, result.Sources[^1].Use);
        Assert.Equal("node unreachable", result.Sources[^1].Reason);
    }

    [Theory]
    // prices, stated confidences, expected median, expected confidence
    [InlineData(new[] { "100", "100", "100" }, new[] { "0", "0", "0" }, "100", "0")]
    [InlineData(new[] { "100", "100.2", "100.1" }, new[] { "0", "0", "0" }, "100.1", "0.1")]
    [InlineData(new[] { "100", "100.2", "100.1" }, new[] { "0.05", "0.3", "0" }, "100.1", "0.3")]
    [InlineData(new[] { "100", "100.5" }, new[] { "0.1", "0.2" }, "100.25", "0.25")]
    [InlineData(new[] { "100", "100.3", "100.1", "100.2" }, new[] { "0", "0", "0", "0.01" }, "100.15", "0.15")]
    public void Confidence_is_the_larger_of_the_stated_confidences_and_the_spread_around_the_median(
        string[] prices, string[] confidences, string expectedMedian, string expectedConfidence)
    {
        var samples = prices.Select((p, i) => Sample($"s{i}", p, confidences[i], Now)).ToArray();

        var result = Aggregate(OneSourceOnePercent, null, samples);

        Assert.Equal(AssetPriceStatus.Live, result.Status);
        var quote = result.Quote!.Value;
        Assert.Equal(Fixed.Parse(expectedMedian), quote.Price);
        Assert.Equal(Fixed.Parse(expectedConfidence), quote.Confidence);
        Assert.All(prices.Select(Fixed.Parse), p => Assert.True(p >= quote.Price - quote.Confidence && p <= quote.Price + quote.Confidence, $"{p} outside the band"));
    }

    [Fact]
    public void The_aggregate_is_as_old_as_its_oldest_fresh_source()
    {
        var result = Aggregate(OneSourceOnePercent, null,
            Sample("a", "100", "0", Now - 10),
            Sample("b", "100", "0", Now - 40),
            Sample("c", "100", "0", Now - 5),
            Sample("stale", "100", "0", Now - 4000));

        Assert.Equal(Now - 40, result.Quote!.Value.PublishTime);
    }

    [Theory]
    // 100 bps of a median of 2000 is 20: a spread of exactly 20 is within, one raw unit more is not.
    [InlineData("1980", "2000", "2020", AssetPriceStatus.Live)]
    [InlineData("1979.999999999999999999", "2000", "2020", AssetPriceStatus.Frozen)]
    [InlineData("2000", "2000", "2020.000000000000000001", AssetPriceStatus.Frozen)]
    [InlineData("2000", "2000", "3000", AssetPriceStatus.Frozen)]
    public void Sources_diverging_beyond_the_threshold_freeze_the_price(string a, string b, string c, AssetPriceStatus expected)
    {
        var result = Aggregate(OneSourceOnePercent, null, Sample("a", a, "0", Now), Sample("b", b, "0", Now), Sample("c", c, "0", Now));

        Assert.Equal(expected, result.Status);
        Assert.Equal(Fixed.FromInt(2000), result.ObservedMedian);
    }

    [Fact]
    public void A_zero_threshold_freezes_on_any_disagreement()
    {
        var rules = new AggregationRules(1, 0);

        Assert.Equal(AssetPriceStatus.Live, Aggregate(rules, null, Sample("a", "5", "0", Now), Sample("b", "5", "0", Now)).Status);
        Assert.Equal(AssetPriceStatus.Frozen, Aggregate(rules, null, Sample("a", "5", "0", Now), Sample("b", "5.000000000000000001", "0", Now)).Status);
    }

    [Fact]
    public void A_frozen_price_keeps_the_last_good_quote_and_refuses_liquidations()
    {
        var lastGood = new PriceQuote(Fixed.FromInt(2000), Fixed.Parse("0.5"), Now - 120);

        var result = Aggregate(OneSourceOnePercent, lastGood, Sample("a", "2000", "0", Now), Sample("b", "2600", "0", Now));

        Assert.True(result.Frozen);
        Assert.False(result.LiquidationsAllowed);
        Assert.Equal(lastGood, result.Quote);
        Assert.Equal(lastGood, result.LastGood);
        Assert.Equal(Fixed.FromInt(300), result.ObservedSpread);
        Assert.Contains("sources diverge", result.Reason, StringComparison.Ordinal);
        Assert.All(result.Sources, v => Assert.Equal(SourceUse.Used, v.Use));
    }

    [Fact]
    public void A_freeze_without_an_earlier_good_price_gives_no_price()
    {
        var result = Aggregate(OneSourceOnePercent, null, Sample("a", "2000", "0", Now), Sample("b", "2600", "0", Now));

        Assert.True(result.Frozen);
        Assert.Null(result.Quote);
        Assert.False(result.LiquidationsAllowed);
        Assert.EndsWith("no earlier good price to keep", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_frozen_price_recovers_as_soon_as_the_sources_agree_again()
    {
        var live = PriceAggregation.Aggregate("ETH", OneSourceOnePercent, [Sample("a", "2000", "0", Now), Sample("b", "2001", "0", Now)], Now, null);
        var frozen = PriceAggregation.Aggregate(
            "ETH", OneSourceOnePercent, [Sample("a", "2000", "0", Now + 10), Sample("b", "2500", "0", Now + 10)], Now + 10, live.LastGood);
        var recovered = PriceAggregation.Aggregate(
            "ETH", OneSourceOnePercent, [Sample("a", "1990", "0", Now + 20), Sample("b", "1991", "0", Now + 20)], Now + 20, frozen.LastGood);

        Assert.Equal(AssetPriceStatus.Live, live.Status);
        Assert.Equal(live.Quote, frozen.Quote);
        Assert.Equal(AssetPriceStatus.Live, recovered.Status);
        Assert.True(recovered.LiquidationsAllowed);
        Assert.Equal(Fixed.Parse("1990.5"), recovered.Quote!.Value.Price);
        Assert.Equal(Now + 20, recovered.Quote!.Value.PublishTime);
        Assert.Equal(recovered.Quote, recovered.LastGood);
    }

    [Fact]
    public void A_stale_outlier_cannot_freeze_the_price()
    {
        var result = Aggregate(OneSourceOnePercent, null,
            Sample("a", "2000", "0", Now), Sample("b", "2001", "0", Now), Sample("old", "900", "0", Now - Heartbeat - 1));

        Assert.Equal(AssetPriceStatus.Live, result.Status);
        Assert.Equal(Fixed.Parse("2000.5"), result.Quote!.Value.Price);
    }

    [Fact]
    public void An_observation_for_another_asset_is_excluded()
    {
        var other = new SourceSample(PriceReading.Of(new PriceObservation("BTC", Fixed.FromInt(90_000), Fixed.Zero, Now, "mislabelled")), Heartbeat);

        var result = Aggregate(OneSourceOnePercent, null, Sample("a", "2000", "0", Now), other);

        Assert.Equal(SourceUse.Failed, result.Sources[1].Use);
        Assert.Equal("observation is for BTC, not ETH", result.Sources[1].Reason);
        Assert.Equal(Fixed.FromInt(2000), result.Quote!.Value.Price);
    }

    [Fact]
    public void The_aggregate_feeds_the_domain_price_policy()
    {
        var result = Aggregate(OneSourceOnePercent, null, Sample("a", "100", "0.1", Now), Sample("b", "100.4", "0", Now));
        var policy = new PricePolicy(MaxAgeSeconds: 60, MaxConfidenceRatio: Fixed.Parse("0.01"), StaleWideningPerSecond: Fixed.Zero, MaxStaleWidening: Fixed.Zero);

        var adjusted = policy.Adjust(result.Quote!.Value, Now);

        Assert.Equal(Fixed.Parse("100"), adjusted.Low);
        Assert.Equal(Fixed.Parse("100.4"), adjusted.High);
        Assert.Equal(PriceStatus.Fresh, adjusted.Status);
    }

    [Theory]
    [InlineData(0, 100, 10)]
    [InlineData(1, -1, 10)]
    [InlineData(1, 100, -1)]
    public void Rules_refuse_impossible_settings(int minimum, int bps, long maxFutureSkew)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new AggregationRules(minimum, bps, maxFutureSkew));
    }

    private static AssetPrice Aggregate(AggregationRules rules, PriceQuote? lastGood, params SourceSample[] samples) =>
        PriceAggregation.Aggregate("ETH", rules, samples, Now, lastGood);

    private static SourceSample Sample(string source, string price, string confidence, long publishTime) =>
        new(Observed(source, price, confidence, publishTime), Heartbeat);

    private static PriceReading Observed(string source, string price, string confidence, long publishTime) =>
        PriceReading.Of(new PriceObservation("ETH", Fixed.Parse(price), Fixed.Parse(confidence), publishTime, source));
}
