using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Persistence;
using Clearing.Persistence.UnitOfWork;
using Microsoft.Data.Sqlite;

namespace Clearing.Benchmarks;

/// <summary>A grain that answers at once: what a call through the actor host costs on its own.</summary>
[GrainType("bench-echo")]
public interface IEchoGrain : IGrainWithStringKey
{
    Task<int> EchoAsync(int value);
}

public sealed class EchoGrain : Grain, IEchoGrain
{
    public Task<int> EchoAsync(int value) => Task.FromResult(value);
}

/// <summary>A grain whose every call writes its state (memory storage: version check, JSON, lease epoch check).</summary>
[GrainType("bench-counter")]
public interface ICounterGrain : IGrainWithStringKey
{
    Task<long> AddAsync(long amount);
}

public sealed class CounterState
{
    public long Total { get; set; }
}

public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<long> AddAsync(long amount)
    {
        state.State.Total += amount;
        await state.WriteStateAsync();
        return state.State.Total;
    }
}

/// <summary>
/// Grain calls per second through our actor host in one process, memory lease and memory storage (no database):
/// one activation called one call at a time; one activation with every call queued at once (its FIFO turn queue);
/// many activations in parallel; a state write per call; and MarginAccountGrain.CreditDepositAsync, whose every
/// command is a durable unit of work (state + journal + idempotency key), here on SQLite in tmpfs (/dev/shm: no
/// disk flush), so what is measured is the grain and the SQL work without the disk; without and with group commit.
/// Every benchmark makes <see cref="Calls"/> calls per invocation; BenchmarkDotNet reports per call.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessConfig))]
public class GrainCallBenchmarks
{
    public const int Calls = 10_000;
    private const int Activations = 1_000;
    private const int AccountCredits = 2_000;
    private const int CreditedAccounts = 100;

    private ActorHost host = null!;
    private IEchoGrain one = null!;
    private IEchoGrain[] many = null!;
    private ICounterGrain[] counters = null!;
    private string sqliteFolder = null!;
    private DurableCredits accounts = null!;
    private DurableCredits groupedAccounts = null!;
    private int creditRound;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        host = new ActorHost(new ActorHostOptions { HostId = "bench" },
            new GrainRegistry().Add<IEchoGrain, EchoGrain>().Add<ICounterGrain, CounterGrain>(), ActorHostStores.InMemory(), TimeProvider.System, new NoServices());
        await host.StartAsync();
        one = host.GrainFactory.GetGrain<IEchoGrain>("one");
        many = [.. Enumerable.Range(0, Activations).Select(i => host.GrainFactory.GetGrain<IEchoGrain>($"echo-{i}"))];
        counters = [.. Enumerable.Range(0, Activations).Select(i => host.GrainFactory.GetGrain<ICounterGrain>($"counter-{i}"))];
        // Activate everything once: the benchmarks measure calls on live activations.
        await one.EchoAsync(0);
        await Task.WhenAll(many.Select(g => g.EchoAsync(0)));
        await Task.WhenAll(counters.Select(g => g.AddAsync(0)));

        sqliteFolder = Directory.Exists("/dev/shm")
            ? Directory.CreateDirectory(Path.Combine("/dev/shm", $"clearing-bench-{Guid.NewGuid():N}")).FullName
            : Directory.CreateTempSubdirectory("clearing-bench-").FullName;
        accounts = await StartAccountsAsync("grains.sqlite", groupCommit: null);
        groupedAccounts = await StartAccountsAsync("grains-grouped.sqlite", new GroupCommitOptions());
    }

    /// <summary>A host over its own SQLite file in <see cref="sqliteFolder"/>, with <see cref="CreditedAccounts"/> activated accounts.</summary>
    private Task<DurableCredits> StartAccountsAsync(string file, GroupCommitOptions? groupCommit) =>
        DurableCredits.StartAsync(
            new ClearingDatabase(SqlDialect.Sqlite, new SqliteConnectionStringBuilder { DataSource = Path.Combine(sqliteFolder, file), Pooling = true }.ConnectionString),
            CreditedAccounts, groupCommit);

    [GlobalCleanup]
    public void Cleanup()
    {
        host.StopAsync().GetAwaiter().GetResult();
        accounts.DisposeAsync().AsTask().GetAwaiter().GetResult();
        groupedAccounts.DisposeAsync().AsTask().GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();
        Directory.Delete(sqliteFolder, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task OneActivation_OneCallAtATime()
    {
        for (var i = 0; i < Calls; i++)
        {
            await one.EchoAsync(i);
        }
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task OneActivation_AllCallsQueued()
    {
        var calls = new Task<int>[Calls];
        for (var i = 0; i < Calls; i++)
        {
            calls[i] = one.EchoAsync(i);
        }

        return Task.WhenAll(calls);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task ManyActivations_InParallel() =>
        Task.WhenAll(many.Select(async grain =>
        {
            for (var i = 0; i < Calls / Activations; i++)
            {
                await grain.EchoAsync(i);
            }
        }));

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task ManyActivations_StateWriteEachCall() =>
        Task.WhenAll(counters.Select(async grain =>
        {
            for (var i = 0; i < Calls / Activations; i++)
            {
                await grain.AddAsync(1);
            }
        }));

    /// <summary>100 accounts in parallel, 20 credits each, each a new deposit (its own idempotency key), one transaction each.</summary>
    [Benchmark(OperationsPerInvoke = AccountCredits)]
    public Task MarginAccount_CreditDeposit_SqliteInTmpfs() => accounts.CreditEveryAccountAsync(++creditRound, AccountCredits / CreditedAccounts);

    /// <summary>The same with group commit: concurrent credits share transactions.</summary>
    [Benchmark(OperationsPerInvoke = AccountCredits)]
    public Task MarginAccount_CreditDeposit_SqliteInTmpfs_GroupCommit() => groupedAccounts.CreditEveryAccountAsync(++creditRound, AccountCredits / CreditedAccounts);

    /// <summary>
    /// In process (no generated project to build: on 2 cores shared with other builds that alone outlasts BenchmarkDotNet's
    /// 2-minute build timeout), 3 warmup and 10 measured iterations.
    /// </summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() =>
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10).WithToolchain(InProcessEmitToolchain.Instance));
    }

    private sealed class NoServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
