using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Clearing.Benchmarks;

// `dotnet run -c Release -- peer [sample]`: times Mango's HealthCache on the first pools of the same world under node.
// `dotnet run -c Release -- cpu`: the ExposureBook workloads in CPU time per evaluation (for a shared machine).
// `dotnet run -c Release -- evm-deposits [deposits] [per block] [rounds]`: finalized deposits credited per second, anvil → PostgreSQL.
// `dotnet run -c Release -- solana-deposits [deposits] [rounds] [signatures per page]`: the same, Solana devnet → PostgreSQL.
// `dotnet run -c Release -- grains-sqlite [commands] [clients,…]`: the same on a SQLite file, with and without group commit.
// Anything else goes to BenchmarkDotNet; `--short` selects the few-minutes job used for the README figures.
if (args.Length > 0 && args[0] == "peer")
{
    return MangoPeerTiming.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10_000);
}

if (args.Length > 0 && args[0] == "cpu")
{
    return CpuTimeRun.Run();
}

if (args.Length > 0 && args[0] == "evm-deposits")
{
    return EvmDepositThroughput.Run(args);
}

if (args.Length > 0 && args[0] == "solana-deposits")
{
    return SolanaDepositThroughput.Run(args);
}

if (args.Length > 0 && args[0] == "grains-sqlite")
{
    return GrainsOnSqlite.Run(args);
}

var config = DefaultConfig.Instance;
if (args.Contains("--short"))
{
    // One process, one invocation of ~1 s per iteration: a few minutes in all on 2 shared cores.
    config = config.AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(6).WithInvocationCount(1).WithUnrollFactor(1).AsDefault());
    args = args.Where(a => a != "--short").ToArray();
}

BenchmarkSwitcher.FromAssembly(typeof(ExposureBookBenchmarks).Assembly).Run(args, config);
return 0;
