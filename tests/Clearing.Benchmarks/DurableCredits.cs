using System.Diagnostics;
using System.Globalization;
using Clearing.Actors.Hosting;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Persistence;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.UnitOfWork;
using Npgsql;

namespace Clearing.Benchmarks;

/// <summary>
/// Durable commands through the actor host, as every grain benchmark drives them: margin accounts, each sent new
/// <see cref="IMarginAccountGrain.CreditDepositAsync"/> calls one after the other by its own client (a grain runs one
/// command at a time, so one client per account is the most concurrency the accounts allow). Every credit is one
/// durable unit of work: lease fence, idempotency key, grain state compare-and-set, ledger transaction and two entries.
/// </summary>
internal sealed class DurableCredits : IAsyncDisposable
{
    public const string Chain = "bench-evm";

    private readonly ActorHost host;

    private DurableCredits(ClearingDatabase database, ActorHost host, DurableUnitOfWork unitOfWork, IMarginAccountGrain[] accounts)
    {
        Database = database;
        this.host = host;
        UnitOfWork = unitOfWork;
        Accounts = accounts;
    }

    public ClearingDatabase Database { get; }

    public DurableUnitOfWork UnitOfWork { get; }

    public IMarginAccountGrain[] Accounts { get; }

    /// <summary>A new deposit of 1 USDC unit to account <paramref name="account"/>; (round, account, index) make its key unique.</summary>
    public static CreditDeposit Deposit(int round, int account, int index) =>
        new(new DepositKey(Chain, $"0x{round:x8}{account:x8}{index:x8}", 0), "USDC", 1 + index, 1, "0xb10c", "0xdepositor");

    /// <summary>
    /// Migrates <paramref name="database"/>, starts a host over it and activates <paramref name="accounts"/> accounts
    /// (a state read each: activation is not part of any command rate).
    /// </summary>
    public static async Task<DurableCredits> StartAsync(ClearingDatabase database, int accounts, GroupCommitOptions? groupCommit)
    {
        await new SchemaMigrator(database, TimeProvider.System).MigrateAsync();
        var unitOfWork = new DurableUnitOfWork(database, groupCommit);
        var host = await DepositBenchmarkHost.StartAsync(database, Chain, usdcDecimals: 6, unitOfWork);
        IMarginAccountGrain[] activated = [.. Enumerable.Range(0, accounts).Select(i => host.GrainFactory.GetGrain<IMarginAccountGrain>($"acct-{i}"))];
        await Task.WhenAll(activated.Select(a => a.GetSnapshotAsync()));
        return new DurableCredits(database, host, unitOfWork, activated);
    }

    /// <summary>Every account at once, <paramref name="perAccount"/> new credits each, one after the other; <paramref name="round"/> keeps keys unique across calls.</summary>
    public Task CreditEveryAccountAsync(int round, int perAccount) =>
        Task.WhenAll(Accounts.Select(async (account, a) =>
        {
            for (var i = 0; i < perAccount; i++)
            {
                await account.CreditDepositAsync(Deposit(round, a, i));
            }
        }));

    /// <summary>How many credits the database holds (any dialect): a run counts only if it holds every one.</summary>
    public Task<long> CreditCountAsync() => Database.ReadAsync(async connection =>
    {
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM idempotency_key WHERE idempotency_key LIKE 'credit:%'";
        return Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    });

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        // Close this database's pooled connections: on a shared server the connection slots are the next run's.
        NpgsqlConnection.ClearAllPools();
    }

    public sealed record TimedRun(double PerSecond, double AverageBatch, TimeSpan CpuPerCommand);

    /// <summary>
    /// Times <paramref name="commands"/> credits from <paramref name="clients"/> clients (one account each) on a fresh
    /// host over <paramref name="database"/> (migrated here), with this process's CPU time; null if the database does
    /// not then hold every credit.
    /// </summary>
    public static async Task<TimedRun?> TimeAsync(ClearingDatabase database, int commands, int clients, GroupCommitOptions? groupCommit)
    {
        await using var credits = await StartAsync(database, clients, groupCommit);
        var before = credits.UnitOfWork.GroupCommit;
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await credits.CreditEveryAccountAsync(round: 1, commands / clients);
        wall.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;

        var credited = await credits.CreditCountAsync();
        if (credited != commands)
        {
            Console.Error.WriteLine($"{clients} clients, group commit {groupCommit is not null}: {credited} credits in the database, expected {commands}");
            return null;
        }

        var after = credits.UnitOfWork.GroupCommit;
        var averageBatch = after is null ? 1.0 : (double)(after.Commands - before!.Commands) / (after.Batches - before.Batches);
        return new TimedRun(commands / wall.Elapsed.TotalSeconds, averageBatch, cpu / commands);
    }
}
