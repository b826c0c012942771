using BenchmarkDotNet.Attributes;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Domain.RiskBook;

namespace Clearing.Benchmarks;

/// <summary>
/// The risk book on 1,000,000 synthetic pools (4 balances on 3 chains, 3 perp positions each), with position sizes in
/// lots and at full 18-decimal precision (<see cref="SizePrecision"/>), prices with few and with 8 decimals
/// (<see cref="PricePrecision"/>). Every benchmark reports time and bytes per
/// pool evaluation (OperationsPerInvoke), so accounts/s = 10^9 / Mean(ns).
/// </summary>
[MemoryDiagnoser]
public class ExposureBookBenchmarks
{
    public const int Pools = 1_000_000;

    /// <summary>Every other pool holds SOL (see <see cref="SyntheticBook"/>).</summary>
    public const int SolHolders = Pools / 2;

    private ExposureBook _book = null!;
    private PriceQuote _solLow;
    private PriceQuote _solHigh;
    private bool _flip;
    private long _now;

    [Params(SizePrecision.Lots, SizePrecision.FullPrecision)]
    public SizePrecision Sizes { get; set; }

    [Params(PricePrecision.Round, PricePrecision.Oracle)]
    public PricePrecision Prices { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _book = SyntheticBook.Fill(Pools, Sizes, Prices);
        _now = _book.Context.Now;
        var sol = _book.Context.Prices["SOL"];
        _solLow = sol with { Price = sol.Price - Fixed.One };
        _solHigh = sol with { Price = sol.Price + Fixed.One };
    }

    /// <summary>Every pool, all three health types, from the current prices.</summary>
    [Benchmark(OperationsPerInvoke = Pools)]
    public void FullRevaluation() => _book.RevalueAll();

    /// <summary>Time moves on by one second: every price and mark is resolved again (staleness), every slot's table and
    /// market's factors prepared again, then every pool evaluated: a full revaluation including its preparation.</summary>
    [Benchmark(OperationsPerInvoke = Pools)]
    public void AdvanceTime() => _book.AdvanceTime(++_now);

    /// <summary>A SOL price tick: the pools exposed to SOL, and only those, are re-evaluated.</summary>
    [Benchmark(OperationsPerInvoke = SolHolders)]
    public int OneAssetTick()
    {
        _flip = !_flip;
        var evaluated = _book.OnPrice("SOL", _flip ? _solLow : _solHigh);
        return evaluated == SolHolders ? evaluated : throw new InvalidOperationException($"{evaluated} pools re-evaluated, expected {SolHolders}.");
    }
}
