using System.Diagnostics;
using Clearing.Domain.Numerics;

namespace Clearing.Benchmarks;

/// <summary>
/// `dotnet run -c Release -- cpu`: the ExposureBook workloads in three worlds (lots with round and with 8-decimal
/// prices, full-precision sizes) timed in CPU seconds of this process as well as wall-clock seconds. On a shared machine wall-clock figures (what BenchmarkDotNet reports) include the time
/// other processes held the cores; CPU time per evaluation is the per-core cost. Best of five runs each.
/// </summary>
internal static class CpuTimeRun
{
    public static int Run()
    {
        foreach (var (sizes, prices) in new[] { (SizePrecision.Lots, PricePrecision.Round), (SizePrecision.Lots, PricePrecision.Oracle), (SizePrecision.FullPrecision, PricePrecision.Round) })
        {
            var book = SyntheticBook.Fill(ExposureBookBenchmarks.Pools, sizes, prices);
            var sol = book.Context.Prices["SOL"];
            var now = book.Context.Now;
            book.RevalueAll();

            var (fullWall, fullCpu) = BestOfFive(book.RevalueAll);
            var (timeWall, timeCpu) = BestOfFive(() => book.AdvanceTime(++now));
            var flip = false;
            var (tickWall, tickCpu) = BestOfFive(() =>
            {
                flip = !flip;
                book.OnPrice("SOL", sol with { Price = sol.Price + (flip ? Fixed.One : -Fixed.One) });
            });

            Console.WriteLine($"Sizes {sizes}, prices {prices}:");
            Report("FullRevaluation", ExposureBookBenchmarks.Pools, fullWall, fullCpu);
            Report("AdvanceTime", ExposureBookBenchmarks.Pools, timeWall, timeCpu);
            Report("OneAssetTick", ExposureBookBenchmarks.SolHolders, tickWall, tickCpu);
        }

        return 0;
    }

    private static (double Wall, double Cpu) BestOfFive(Action run)
    {
        var process = Process.GetCurrentProcess();
        double wall = double.MaxValue, cpu = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            run();
            stopwatch.Stop();
            process.Refresh();
            wall = Math.Min(wall, stopwatch.Elapsed.TotalSeconds);
            cpu = Math.Min(cpu, (process.TotalProcessorTime - cpuStart).TotalSeconds);
        }

        return (wall, cpu);
    }

    private static void Report(string name, int evaluations, double wallSeconds, double cpuSeconds) =>
        Console.WriteLine(
            $"  {name}: {evaluations:N0} pool evaluations, wall {wallSeconds * 1e9 / evaluations:F0} ns each ({evaluations / wallSeconds:N0}/s), " +
            $"CPU {cpuSeconds * 1e9 / evaluations:F0} ns each ({evaluations / cpuSeconds:N0}/CPU-s)");
}
