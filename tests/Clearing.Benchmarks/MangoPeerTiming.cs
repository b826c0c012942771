using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Clearing.Domain.Numerics;

namespace Clearing.Benchmarks;

/// <summary>
/// Writes the first pools of the synthetic world in the shape tests/peers/mango-bench.js reads (one Mango token
/// per (chain, asset) slot, one Mango perp market per market, 1e-4 base lots) and runs it under node. The
/// portfolios have the same number of balances and positions as ours; the figures are for timing only (the
/// numeric cross-check with Mango is the test suite's MangoHealthCrossCheckTests).
/// </summary>
internal static class MangoPeerTiming
{
    public static int Run(int sample)
    {
        var context = SyntheticBook.Context();
        var slots = context.Collateral.Keys.OrderBy(k => k.ToString(), StringComparer.Ordinal).ToArray();
        var tokens = slots.Select(key =>
        {
            var p = context.Collateral[key];
            var price = context.PriceFor(key).Mid;
            return new
            {
                // USD per native unit: price / 10^decimals, exact.
                price = DecimalText.Format(price.Raw, Fixed.Decimals + p.Decimals),
                initAssetWeight = p.InitAssetWeight.ToString(),
                maintAssetWeight = p.MaintAssetWeight.ToString(),
                initLiabWeight = p.InitLiabilityWeight.ToString(),
                maintLiabWeight = p.MaintLiabilityWeight.ToString(),
            };
        }).ToArray();
        var markets = SyntheticBook.Markets.Select(symbol => new
        {
            // Quote native units (1e-6 USD) per 1e-4 base lot.
            price = (context.MarketStates[symbol].Mark.Price.MulRoundDown(Fixed.FromInt(100))).ToString(),
            initBaseWeight = context.Markets[symbol].InitialMarginRatio.ToString(),
            maintBaseWeight = context.Markets[symbol].MaintenanceMarginRatio.ToString(),
        }).ToArray();
        var accounts = SyntheticBook.Pools(sample).Select(pool => new
        {
            balances = pool.Balances.Select(b => new object[] { Array.IndexOf(slots, b.Key), b.Units.ToString(CultureInfo.InvariantCulture) }),
            positions = pool.Positions.Select(p => new object[]
            {
                Array.IndexOf(SyntheticBook.Markets, p.Market),
                (long)p.Size.ToScaled(4, Rounding.Down),
                (-p.Size.MulRoundDown(p.EntryPrice)).ToScaled(6, Rounding.Down).ToString(CultureInfo.InvariantCulture),
            }),
        });

        var root = FindRepoRoot();
        var file = Path.Combine(Path.GetTempPath(), $"clearing-mango-bench-{Environment.ProcessId}.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new { tokens, markets, accounts }));
        try
        {
            var start = new ProcessStartInfo("node") { WorkingDirectory = Path.Combine(root, "tests", "peers"), RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("mango-bench.js");
            start.ArgumentList.Add(file);
            using var node = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
            var output = node.StandardOutput.ReadToEnd();
            node.WaitForExit();
            Console.WriteLine(output);
            return node.ExitCode;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clearing.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("No Clearing.sln above the benchmark's folder.");
    }
}
