using BenchmarkDotNet.Attributes;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Domain.RiskBook;

namespace Clearing.Benchmarks;

/// <summary>
/// The risk book on 1,000,000 synthetic pools (4 balances on 3 chains, 3 perp positions each). Both benchmarks
/// report time and bytes per pool evaluation (OperationsPerInvoke), so accounts/s = 10^9 / Mean(ns).
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

    [GlobalSetup]
    public void Setup()
    {
        _book = SyntheticBook.Fill(Pools);
        var sol = _book.Context.Prices["SOL"];
        _solLow = sol with { Price = sol.Price - Fixed.One };
        _solHigh = sol with { Price = sol.Price + Fixed.One };
    }

    /// <summary>Every pool, all three health types, from the current prices.</summary>
    [Benchmark(OperationsPerInvoke = Pools)]
    public void FullRevaluation() => _book.RevalueAll();

    /// <summary>A SOL price tick: the pools exposed to SOL, and only those, are re-evaluated.</summary>
    [Benchmark(OperationsPerInvoke = SolHolders)]
    public int OneAssetTick()
    {
        _flip = !_flip;
        var evaluated = _book.OnPrice("SOL", _flip ? _solLow : _solHigh);
        return evaluated == SolHolders ? evaluated : throw new InvalidOperationException($"{evaluated} pools re-evaluated, expected {SolHolders}.");
    }
}
