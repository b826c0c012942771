using System.Collections.Immutable;
using System.Diagnostics;
using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Chains;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains;
using Clearing.Grains.Deposits;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;
using Npgsql;
using ChainCursor = Clearing.Chains.ChainCursor;

namespace Clearing.Benchmarks;

/// <summary>What the deposit-throughput benchmarks of every chain share: the host they credit into and how they time and check it.</summary>
internal static class DepositBenchmarkHost
{
    /// <summary>An actor host with Clearing's grains over <paramref name="database"/>, where <paramref name="chain"/>'s USDC is collateral.</summary>
    /// <param name="unitOfWork">How the grains commit (e.g. with group commit); by default one transaction per command.</param>
    public static async Task<ActorHost> StartAsync(ClearingDatabase database, string chain, int usdcDecimals, DurableUnitOfWork? unitOfWork = null)
    {
        var usdc = new AssetKey(new ChainId(chain), "USDC");
        var risk = new RiskConfiguration(usdc)
        {
            Collateral = ImmutableDictionary<AssetKey, CollateralParams>.Empty
                .Add(usdc, new CollateralParams(usdc, usdcDecimals, Fixed.One, Fixed.One, Fixed.One, Fixed.One)),
        };
        var services = new Services(new Dictionary<Type, object>
        {
            [typeof(DurableUnitOfWork)] = unitOfWork ?? new DurableUnitOfWork(database),
            [typeof(CursorStore)] = new CursorStore(database),
            [typeof(IRiskConfigurationProvider)] = risk,
        });
        var host = new ActorHost(new ActorHostOptions { HostId = "bench" }, new GrainRegistry().AddClearingGrains(), SqlActorStores.For(database), TimeProvider.System, services);
        await host.StartAsync();
        return host;
    }

    /// <summary>How many deposits the database holds as credited: a round counts only if it credited every deposit.</summary>
    public static async Task<long> CreditKeyCountAsync(ClearingDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM idempotency_key WHERE idempotency_key LIKE 'credit:%'", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// One measured round: a fresh database and host, one watcher round (<paramref name="pollOnce"/>, given the timed sink)
    /// that must credit all <paramref name="deposits"/>, and one line splitting the wall time into credits + cursor and the
    /// rest. <paramref name="pollOnce"/> returns how many final deposits the round committed and what to say after the
    /// count (e.g. how many transactions held them). False (after an error line) when not every deposit was credited.
    /// </summary>
    public static async Task<bool> MeasureRoundAsync(
        PostgresServer postgres, string chain, int usdcDecimals, int round, int deposits,
        Func<IDepositSink, Task<(int FinalCommitted, string Detail)>> pollOnce)
    {
        var database = new ClearingDatabase(SqlDialect.PostgreSql, await postgres.CreateDatabaseAsync("bench"));
        await new SchemaMigrator(database, TimeProvider.System).MigrateAsync();
        var host = await StartAsync(database, chain, usdcDecimals);
        try
        {
            var sink = new TimedSink(new DurableDepositSink(host.GrainFactory));
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            var (finalCommitted, detail) = await pollOnce(sink);
            wall.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;

            var creditKeys = await CreditKeyCountAsync(database);
            if (finalCommitted != deposits || creditKeys != deposits)
            {
                Console.Error.WriteLine($"round {round}: {finalCommitted} deposits read and {creditKeys} credited, expected {deposits}");
                return false;
            }

            var commit = sink.CommitTime;
            var rest = wall.Elapsed - commit;
            Console.WriteLine(
                $"round {round}: {deposits:N0} deposits{detail} in {wall.Elapsed.TotalSeconds:F2} s = {deposits / wall.Elapsed.TotalSeconds:N0} deposits/s; " +
                $"credits + cursor {commit.TotalSeconds:F2} s ({commit.TotalMilliseconds / deposits:F2} ms per deposit), " +
                $"RPC + decoding + pending {rest.TotalSeconds:F2} s ({rest.TotalMilliseconds / deposits:F3} ms per deposit); " +
                $"this process's CPU {cpu.TotalSeconds:F2} s ({cpu.TotalMilliseconds / deposits:F2} ms per deposit); load {LoadAverage()}");
            return true;
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>Times the sink's commits of final deposits (every credit and the cursor) apart from the watcher's reads.</summary>
    public sealed class TimedSink(IDepositSink inner) : IDepositSink
    {
        public TimeSpan CommitTime { get; private set; }

        public Task<ChainCursor?> ReadCursorAsync(string chain, CancellationToken cancellationToken) => inner.ReadCursorAsync(chain, cancellationToken);

        public async Task CommitFinalizedAsync(string chain, ChainCursor through, IReadOnlyList<ObservedDeposit> deposits, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            await inner.CommitFinalizedAsync(chain, through, deposits, cancellationToken);
            CommitTime += Stopwatch.GetElapsedTime(started);
        }

        public Task ReplacePendingAsync(string chain, IReadOnlyList<ObservedDeposit> pending, CancellationToken cancellationToken) =>
            inner.ReplacePendingAsync(chain, pending, cancellationToken);
    }

    private sealed class Services(IReadOnlyDictionary<Type, object> services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);
    }
}
