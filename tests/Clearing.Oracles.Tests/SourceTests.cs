using System.Buffers.Binary;
using System.Numerics;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Rpc;
using Clearing.Domain.Numerics;
using Clearing.Oracles.Sources;

namespace Clearing.Oracles.Tests;

public sealed class EvmAggregatorInterpretationTests
{
    private static readonly EvmAggregatorPriceSource Source = new(
        "chainlink-eth", "ETH", new EvmRpcClient(new HttpClient(), new Uri("http://127.0.0.1:1"), new EvmRpcOptions { MaxAttempts = 1 }), EvmAddress.Zero, BlockTag.Latest);

    [Theory]
    [InlineData("200012345678", 8, "2000.12345678")]
    [InlineData("1", 18, "0.000000000000000001")]
    [InlineData("5", 0, "5")]
    // Beyond 18 decimals the digits below 10^-18 are dropped (rounded down).
    [InlineData("123456789012345678999", 20, "1.234567890123456789")]
    public void The_answer_is_scaled_by_the_feed_decimals(string answer, int decimals, string expected)
    {
        var reading = Source.Interpret(Round(roundId: 7, answer: BigInteger.Parse(answer), updatedAt: 1_800_000_000, answeredInRound: 7), decimals);

        Assert.True(reading.Succeeded, reading.FailureReason);
        Assert.Equal(Fixed.Parse(expected), reading.Observation!.Price);
        Assert.Equal(Fixed.Zero, reading.Observation.Confidence);
        Assert.Equal(1_800_000_000, reading.Observation.PublishTime);
        Assert.Equal("chainlink-eth", reading.Observation.Source);
    }

    [Theory]
    [InlineData(7, "0", 1_800_000_000, 7, "answer 0 is not positive")]
    [InlineData(7, "-5", 1_800_000_000, 7, "answer -5 is not positive")]
    [InlineData(7, "100", 1_800_000_000, 6, "round 7 carries the answer of round 6")]
    [InlineData(7, "100", 0, 7, "is not complete (updatedAt = 0)")]
    [InlineData(7, "170141183460469231731687303715884105728", 1_800_000_000, 7, "does not fit 128 bits")]
    [InlineData(7, "1", 1_800_000_000, 7, "rounds to zero", 20)]
    [InlineData(7, "170141183460469231731687303715884105727", 1_800_000_000, 7, "exceeds the fixed-point range")]
    public void Unusable_rounds_are_refused_with_the_reason(long roundId, string answer, long updatedAt, long answeredInRound, string reason, int decimals = 8)
    {
        var reading = Source.Interpret(Round(roundId, BigInteger.Parse(answer), updatedAt, answeredInRound), decimals);

        Assert.False(reading.Succeeded);
        Assert.Contains(reason, reading.FailureReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_round_answered_in_a_later_round_is_accepted()
    {
        Assert.True(Source.Interpret(Round(7, 100, 1_800_000_000, 8), 8).Succeeded);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(37)]
    public void Decimals_outside_the_supported_range_are_a_caller_error(int decimals)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Source.Interpret(Round(1, 100, 1_800_000_000, 1), decimals));
    }

    [Fact]
    public async Task An_unreachable_node_is_a_failed_reading_not_an_exception()
    {
        var reading = await Source.ReadAsync();

        Assert.False(reading.Succeeded);
        Assert.Contains("decimals() failed: transport failure", reading.FailureReason, StringComparison.Ordinal);
    }

    private static AggregatorRound Round(long roundId, BigInteger answer, long updatedAt, long answeredInRound) =>
        new(roundId, answer, updatedAt, updatedAt, answeredInRound);
}

public sealed class SolanaPriceAccountTests
{
    private static readonly PublicKey Account = new(Enumerable.Repeat((byte)7, 32).ToArray());
    private static readonly PublicKey Publisher = new(Enumerable.Repeat((byte)9, 32).ToArray());

    private static readonly SolanaPriceAccountSource Source = new(
        "solana-eth", "ETH", new SolanaRpcClient(new HttpClient(), new Uri("http://127.0.0.1:1")), Account, Publisher, Commitment.Confirmed);

    private static readonly SolanaPriceAccount Sample = new("ETH", SolanaPriceAccount.StatusTrading, -8, 200_012_345_678, 150_000_000, 1_800_000_000, 42);

    [Fact]
    public void The_layout_is_pinned_byte_by_byte()
    {
        const string expected =
            "434C5041" + "01" + "01" + "0000" // magic "CLPA", version 1, status trading, reserved
            + "F8FFFFFF" + "00000000" // exponent -8 (i32 LE), reserved
            + "45544800000000000000000000000000" // "ETH" NUL-padded to 16 bytes
            + "4E31AA912E000000" // price 200012345678 (i64 LE)
            + "80D1F00800000000" // confidence 150000000 (u64 LE)
            + "00D2496B00000000" // publish time 1800000000 (i64 LE)
            + "2A00000000000000"; // publish slot 42 (u64 LE)

        Assert.Equal(expected, Convert.ToHexString(Sample.Encode()));
    }

    [Fact]
    public void Encode_and_decode_round_trip_and_scale_by_the_exponent()
    {
        Assert.True(SolanaPriceAccount.TryDecode(Sample.Encode(), out var decoded, out var error), error);
        Assert.Equal(Sample, decoded);
        Assert.Equal(Fixed.Parse("2000.12345678"), decoded!.Price);
        Assert.Equal(Fixed.Parse("1.5"), decoded.Confidence);
    }

    [Fact]
    public void A_valid_account_is_an_observation_with_its_confidence_and_publish_time()
    {
        var reading = Source.Interpret(Sample.Encode());

        Assert.True(reading.Succeeded, reading.FailureReason);
        Assert.Equal(new PriceObservation("ETH", Fixed.Parse("2000.12345678"), Fixed.Parse("1.5"), 1_800_000_000, "solana-eth"), reading.Observation);
    }

    [Fact]
    public void Bytes_after_the_layout_are_ignored_so_later_versions_can_append()
    {
        Assert.True(Source.Interpret([.. Sample.Encode(), 1, 2, 3]).Succeeded);
    }

    public static TheoryData<string, Action<byte[]>, string> Corruptions => new()
    {
        { "short", _ => { }, "account data is 63 bytes, the layout needs 64" },
        { "magic", d => d[0] = (byte)'X', "magic is" },
        { "version", d => d[4] = 2, "layout version 2 is not supported" },
        { "status unknown", d => d[5] = 0, "status 0 is not trading" },
        { "status halted", d => d[5] = 2, "status 2 is not trading" },
        { "reserved 6", d => d[6] = 1, "reserved bytes" },
        { "reserved 12", d => d[13] = 1, "reserved bytes" },
        { "exponent positive", d => BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan(8), 1), "exponent 1 is outside -18..0" },
        { "exponent too small", d => BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan(8), -19), "exponent -19 is outside -18..0" },
        { "asset empty", d => d.AsSpan(16, 16).Clear(), "asset symbol" },
        { "asset gap", d => d[20] = (byte)'X', "asset symbol" },
        { "asset other", d => "BTC"u8.CopyTo(d.AsSpan(16)), "account prices BTC, not ETH" },
        { "price zero", d => BinaryPrimitives.WriteInt64LittleEndian(d.AsSpan(32), 0), "price mantissa 0 is not positive" },
        { "price negative", d => BinaryPrimitives.WriteInt64LittleEndian(d.AsSpan(32), -1), "price mantissa -1 is not positive" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_malformed_or_unusable_account_is_refused_with_the_reason(string corruption, Action<byte[]> corrupt, string reason)
    {
        var data = Sample.Encode();
        corrupt(data);
        if (corruption == "short")
        {
            data = data[..63];
        }

        var reading = Source.Interpret(data);

        Assert.False(reading.Succeeded);
        Assert.Contains(reason, reading.FailureReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("SEVENTEEN_LETTERS")]
    [InlineData("ÉTH")]
    public void Encoding_refuses_a_symbol_the_layout_cannot_hold(string asset)
    {
        Assert.ThrowsAny<ArgumentException>(() => (Sample with { Asset = asset }).Encode());
    }
}

public sealed class OperatorPriceFeedTests
{
    [Fact]
    public async Task A_feed_without_a_price_fails_until_the_operator_sets_one()
    {
        var feed = new OperatorPriceFeed("operator", "ETH");

        var before = await feed.ReadAsync();
        feed.Set(Fixed.Parse("2000.5"), Fixed.Parse("2"), 1_800_000_000);
        var after = await feed.ReadAsync();
        feed.Clear();
        var cleared = await feed.ReadAsync();

        Assert.Equal("the operator has set no price", before.FailureReason);
        Assert.Equal(new PriceObservation("ETH", Fixed.Parse("2000.5"), Fixed.Parse("2"), 1_800_000_000, "operator"), after.Observation);
        Assert.False(cleared.Succeeded);
    }

    [Theory]
    [InlineData("0", "0", 1_800_000_000)]
    [InlineData("-1", "0", 1_800_000_000)]
    [InlineData("1", "-0.1", 1_800_000_000)]
    [InlineData("1", "0", 0)]
    public void The_operator_cannot_set_an_impossible_price(string price, string confidence, long publishTime)
    {
        var feed = new OperatorPriceFeed("operator", "ETH");

        Assert.Throws<ArgumentOutOfRangeException>(() => feed.Set(Fixed.Parse(price), Fixed.Parse(confidence), publishTime));
    }
}
