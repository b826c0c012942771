using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Persistence;
using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;

namespace Clearing.Benchmarks;

/// <summary>
/// Durable commands per second on PostgreSQL, and pgbench's single-row INSERT rate on the same server in the same run
/// as the ratio's denominator, in one BenchmarkDotNet table.
/// <para>
/// Per case (<see cref="Clients"/>, <see cref="GroupCommit"/>), in <see cref="Setup"/>: a PostgreSQL server of its own
/// started by the TestKit (initdb in a temp folder, default settings: <c>fsync</c> and <c>synchronous_commit</c> on);
/// pgbench with <see cref="Clients"/> clients for <see cref="PgbenchSeconds"/> s (<see cref="Pgbench"/>); then a fresh
/// database, migrated, and a host with <see cref="Clients"/> activated margin accounts. The benchmark sends
/// <see cref="Credits"/> new credits per invocation, <see cref="Clients"/> accounts at once, each account's share one
/// after the other (<see cref="DurableCredits"/>); BenchmarkDotNet reports the mean per credit. The columns
/// "commands/s", "pgbench inserts/s" and "ratio" (commands/s ÷ pgbench inserts/s) put the three figures side by side.
/// <see cref="Cleanup"/> fails the case unless the database holds every credit the case sent.
/// </para>
/// </summary>
[Config(typeof(PostgresConfig))]
public class DurableCommandsOnPostgresBenchmarks
{
    /// <summary>Credits per invocation: divisible by every <see cref="Clients"/> value.</summary>
    public const int Credits = 960;

    private const int PgbenchSeconds = 10;

    /// <summary>What a case measured beside BenchmarkDotNet's statistics, for the columns (the toolchain runs in this process).</summary>
    private static readonly ConcurrentDictionary<(int Clients, bool GroupCommit), CaseFigures> Figures = new();

    private PostgresServer postgres = null!;
    private DurableCredits credits = null!;
    private int round;
    private string loadBefore = null!;
    private double pgbenchInsertsPerSecond;

    /// <summary>Concurrent clients: margin accounts driven at once, and pgbench's <c>-c</c>.</summary>
    [Params(1, 16, 64)]
    public int Clients { get; set; }

    /// <summary>Concurrent commands share transactions (<see cref="GroupCommitOptions"/> defaults) or commit one each.</summary>
    [Params(false, true)]
    public bool GroupCommit { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        loadBefore = DepositBenchmarkHost.LoadAverage();
        postgres = await PostgresServer.StartAsync();
        pgbenchInsertsPerSecond = await Pgbench.InsertRateAsync(postgres, Clients, PgbenchSeconds);
        var database = new ClearingDatabase(SqlDialect.PostgreSql, await postgres.CreateDatabaseAsync("grains"));
        credits = await DurableCredits.StartAsync(database, Clients, GroupCommit ? new GroupCommitOptions() : null);
    }

    [Benchmark(OperationsPerInvoke = Credits)]
    public Task CreditDeposit_OnPostgres() => credits.CreditEveryAccountAsync(++round, Credits / Clients);

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    private async Task CleanupAsync()
    {
        try
        {
            var credited = await credits.CreditCountAsync();
            if (credited != (long)round * Credits)
            {
                throw new InvalidOperationException($"{credited} credits in the database, {round * Credits} sent");
            }

            Figures[(Clients, GroupCommit)] = new CaseFigures(
                pgbenchInsertsPerSecond, credits.UnitOfWork.GroupCommit?.AverageBatchSize ?? 1.0, $"{loadBefore} → {DepositBenchmarkHost.LoadAverage()}");
        }
        finally
        {
            await credits.DisposeAsync();
            await postgres.DisposeAsync();
        }
    }

    private sealed record CaseFigures(double PgbenchInsertsPerSecond, double CommandsPerTransaction, string Load);

    /// <summary>
    /// In process like <see cref="GrainCallBenchmarks"/> (the generated project's build outlasts BenchmarkDotNet's
    /// timeout on 2 shared cores); 3 warmup and 6 measured iterations of one invocation each: a few minutes in all.
    /// </summary>
    private sealed class PostgresConfig : ManualConfig
    {
        public PostgresConfig()
        {
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(6).WithInvocationCount(1).WithUnrollFactor(1)
                .WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(
                new FigureColumn("commands/s", "Durable credits per second: 1 s ÷ Mean", 0, (_, mean) => Rate(1e9 / mean)),
                new FigureColumn("pgbench inserts/s", "pgbench single-row INSERT transactions per second, same clients, same server, in this case's setup", 1,
                    (figures, _) => Rate(figures.PgbenchInsertsPerSecond)),
                new FigureColumn("ratio", "commands/s ÷ pgbench inserts/s", 2,
                    (figures, mean) => (1e9 / mean / figures.PgbenchInsertsPerSecond).ToString("F2", CultureInfo.InvariantCulture)),
                new FigureColumn("commands/transaction", "Average credits per transaction over the whole case (1 without group commit)", 3,
                    (figures, _) => figures.CommandsPerTransaction.ToString("F1", CultureInfo.InvariantCulture)),
                new FigureColumn("load (1, 5, 15 min)", "/proc/loadavg before the case's setup → after its last iteration", 4, (figures, _) => figures.Load, numeric: false));
        }

        private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary>A column computed from this case's <see cref="CaseFigures"/> and its mean time per credit (ns).</summary>
    private sealed class FigureColumn(string name, string legend, int priority, Func<CaseFigures, double, string> value, bool numeric = true) : IColumn
    {
        public string Id => $"{nameof(DurableCommandsOnPostgresBenchmarks)}.{name}";

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => priority;

        public bool IsNumeric => numeric;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => legend;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var clients = (int)benchmarkCase.Parameters[nameof(Clients)];
            var groupCommit = (bool)benchmarkCase.Parameters[nameof(GroupCommit)];
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is > 0 && Figures.TryGetValue((clients, groupCommit), out var figures) ? value(figures, mean.Value) : "-";
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
