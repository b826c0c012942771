using System.Globalization;
using Clearing.Persistence;
using Clearing.Persistence.UnitOfWork;
using Microsoft.Data.Sqlite;

namespace Clearing.Benchmarks;

/// <summary>
/// `dotnet run -c Release -- grains-sqlite [commands] [clients,…]`: durable credits through the actor host
/// (<see cref="DurableCredits.TimeAsync"/>), on a SQLite file on disk (WAL, synchronous=FULL: an fsync per
/// commit), without and with group commit. SQLite has one writer at a time, so without group commit concurrent
/// commands queue on its lock (busy_timeout) and each pays its own flush.
/// </summary>
internal static class GrainsOnSqlite
{
    public static int Run(string[] args)
    {
        var commands = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        int[] clients = args.Length > 2 ? [.. args[2].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))] : [1, 16, 64];
        return RunAsync(commands, clients).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int commands, int[] clientCounts)
    {
        // Under the temp folder, on disk here (ext4), not tmpfs: the flush per commit is what group commit saves.
        var folder = Directory.CreateTempSubdirectory("clearing-bench-sqlite-").FullName;
        var counter = 0;
        ClearingDatabase NewDatabase() => new(SqlDialect.Sqlite,
            new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, $"grains{++counter}.sqlite"), Pooling = true }.ConnectionString);
        try
        {
            Console.WriteLine($"SQLite {SqliteVersion()} in {folder}; {commands:N0} credits per run");
            await DurableCredits.TimeAsync(NewDatabase(), 400, 16, new GroupCommitOptions());
            await DurableCredits.TimeAsync(NewDatabase(), 400, 16, groupCommit: null);
            var rows = new List<string>();
            foreach (var clients in clientCounts)
            {
                var load = DepositBenchmarkHost.LoadAverage();
                var single = await DurableCredits.TimeAsync(NewDatabase(), commands, clients, groupCommit: null);
                var grouped = await DurableCredits.TimeAsync(NewDatabase(), commands, clients, new GroupCommitOptions());
                if (single is null || grouped is null)
                {
                    return 1;
                }

                rows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"| {clients} | {single.PerSecond:N0} | {grouped.PerSecond:N0} | {grouped.AverageBatch:F1} | {grouped.PerSecond / single.PerSecond:F1}× | {single.CpuPerCommand.TotalMilliseconds:F2} / {grouped.CpuPerCommand.TotalMilliseconds:F2} ms | {load} → {DepositBenchmarkHost.LoadAverage()} |"));
                Console.WriteLine(rows[^1]);
            }

            Console.WriteLine();
            Console.WriteLine("| Clients | One transaction per command (cmd/s) | Group commit (cmd/s) | Commands per group transaction | Speed-up | This process's CPU per command (unbatched / group) | Load (1, 5, 15 min) before → after |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---|");
            rows.ForEach(Console.WriteLine);
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        return connection.ServerVersion;
    }
}
