using System.Globalization;
using System.Numerics;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Domain.Numerics;

namespace Clearing.Oracles.Sources;

/// <summary>
/// A Chainlink-style aggregator (AggregatorV3Interface) on an EVM chain, read with <c>eth_call</c>:
/// <c>decimals()</c> once (it is immutable in Chainlink's aggregators and proxies) and <c>latestRoundData()</c> on
/// every read. The answer is scaled by 10^decimals; <c>updatedAt</c> is the publish time.
/// Refused (failed reading, with the reason): answer ≤ 0, <c>answeredInRound &lt; roundId</c> (the answer was carried
/// over from an earlier round), <c>updatedAt</c> = 0 (round not complete), values that do not fit the ledger's types.
/// Chainlink publishes no confidence interval, so the observation's confidence is zero; the aggregator widens it by
/// the spread between sources.
/// </summary>
public sealed class EvmAggregatorPriceSource : IPriceSource
{
    /// <summary>10^36 is the largest power <see cref="Fixed.PowerOfTen"/> provides.</summary>
    private const int MaxDecimals = 36;

    private static readonly BigInteger MaxInt128 = (BigInteger)Int128.MaxValue;

    private readonly EvmRpcClient rpc;
    private readonly BlockTag block;
    /// <summary>The feed's decimals once read, −1 before; several oracles may share a source, hence Volatile.</summary>
    private int decimals = -1;

    /// <param name="block">The block state to read; <see cref="BlockTag.Latest"/> for prices (a price is not a credit, and
    /// waiting for finality would make every EVM price minutes old).</param>
    public EvmAggregatorPriceSource(string name, string asset, EvmRpcClient rpc, EvmAddress feed, BlockTag block)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(asset);
        this.rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        Name = name;
        Asset = asset;
        Feed = feed;
        this.block = block;
    }

    public string Name { get; }

    public string Asset { get; }

    public EvmAddress Feed { get; }

    public async Task<PriceReading> ReadAsync(CancellationToken cancellationToken = default)
    {
        int feedDecimalsKnown = Volatile.Read(ref decimals);
        if (feedDecimalsKnown < 0)
        {
            var decimalsResult = await rpc.CallAsync(new CallRequest { To = Feed, Data = ChainlinkAggregatorAbi.Decimals.EncodeCall() }, block, cancellationToken)
                .ConfigureAwait(false);
            if (decimalsResult.Failure is { } decimalsFailure)
            {
                return Fail($"decimals() failed: {decimalsFailure}");
            }

            if (!TryDecode(() => (int)(BigInteger)ChainlinkAggregatorAbi.Decimals.DecodeOutput(decimalsResult.Value)[0], out int feedDecimals, out var decodeError))
            {
                return Fail($"decimals() returned undecodable data: {decodeError}");
            }

            if (feedDecimals > MaxDecimals)
            {
                return Fail($"decimals() = {feedDecimals} exceeds the supported {MaxDecimals}");
            }

            Volatile.Write(ref decimals, feedDecimals);
            feedDecimalsKnown = feedDecimals;
        }

        var result = await rpc.CallAsync(new CallRequest { To = Feed, Data = ChainlinkAggregatorAbi.EncodeLatestRoundData() }, block, cancellationToken)
            .ConfigureAwait(false);
        if (result.Failure is { } failure)
        {
            return Fail($"latestRoundData() failed: {failure}");
        }

        if (!TryDecode(() => ChainlinkAggregatorAbi.DecodeLatestRoundData(result.Value), out AggregatorRound? round, out var error))
        {
            return Fail($"latestRoundData() returned undecodable data: {error}");
        }

        return Interpret(round!, feedDecimalsKnown);
    }

    /// <summary>The checks and scaling of one round, separate from IO so tests can table them.</summary>
    public PriceReading Interpret(AggregatorRound round, int feedDecimals)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentOutOfRangeException.ThrowIfNegative(feedDecimals);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(feedDecimals, MaxDecimals);
        if (round.Answer <= 0)
        {
            return Fail($"round {round.RoundId} answer {round.Answer} is not positive");
        }

        if (round.AnsweredInRound < round.RoundId)
        {
            return Fail($"round {round.RoundId} carries the answer of round {round.AnsweredInRound}");
        }

        if (round.UpdatedAt <= 0)
        {
            return Fail($"round {round.RoundId} is not complete (updatedAt = 0)");
        }

        if (round.UpdatedAt > long.MaxValue)
        {
            return Fail($"round {round.RoundId} updatedAt {round.UpdatedAt} is not a plausible unix time");
        }

        if (round.Answer > MaxInt128)
        {
            return Fail($"round {round.RoundId} answer {round.Answer} does not fit 128 bits");
        }

        Fixed price;
        try
        {
            // Up to 18 decimals the scaling is exact; beyond, the digits below 10^-18 are dropped (rounded down).
            price = feedDecimals <= Fixed.Decimals
                ? Fixed.FromScaled((Int128)round.Answer, feedDecimals)
                : Fixed.FromRatio((Int128)round.Answer, Fixed.PowerOfTen(feedDecimals), Rounding.Down);
        }
        catch (OverflowException)
        {
            return Fail($"round {round.RoundId} answer {round.Answer} at {feedDecimals} decimals exceeds the fixed-point range");
        }

        if (!price.IsPositive)
        {
            return Fail($"round {round.RoundId} answer {round.Answer} at {feedDecimals} decimals rounds to zero");
        }

        return PriceReading.Of(new PriceObservation(Asset, price, Fixed.Zero, (long)round.UpdatedAt, Name));
    }

    private PriceReading Fail(string reason) =>
        PriceReading.Failed(Name, Asset, string.Create(CultureInfo.InvariantCulture, $"feed {Feed.ToChecksumString()}: {reason}"));

    private static bool TryDecode<T>(Func<T> decode, out T? value, out string? error)
    {
        try
        {
            value = decode();
            error = null;
            return true;
        }
        catch (Exception e) when (e is AbiDecodingException or ArgumentException or OverflowException or InvalidCastException)
        {
            value = default;
            error = e.Message;
            return false;
        }
    }
}
