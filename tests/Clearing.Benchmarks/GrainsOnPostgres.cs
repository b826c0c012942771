using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Persistence;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;
using Npgsql;

namespace Clearing.Benchmarks;

/// <summary>
/// `dotnet run -c Release -- grains-pg [commands] [clients,…] [pgbench seconds]`: durable commands per second through
/// the actor host on PostgreSQL, without and with group commit, against pgbench's single-row INSERT rate on the SAME
/// server in the same run, at the same number of concurrent clients.
/// <para>
/// Ours: <c>clients</c> margin accounts, each driven by one client that sends its share of <c>commands</c>
/// <see cref="IMarginAccountGrain.CreditDepositAsync"/> calls one after the other (a grain runs one command at a time,
/// so a client per account is the most concurrency the accounts allow). Every credit is one durable unit of work:
/// lease fence, idempotency key, grain state compare-and-set, two journal entries. Each run gets a fresh database and
/// a fresh host; a run counts only if the database then holds every credit.
/// </para>
/// <para>
/// pgbench: Debian's pgbench, <c>-c clients -j 2 -T seconds</c>, a custom script of one
/// <c>INSERT INTO bench_insert … VALUES (…)</c> per transaction (autocommit: one fsync'd commit each), in a fresh
/// database of the same server. Its tps (without initial connection time) is the ratio's denominator.
/// </para>
/// Two processes and a server per run do not fit BenchmarkDotNet's model, hence a custom mode.
/// </summary>
internal static class GrainsOnPostgres
{
    public const string Chain = "bench-evm";

    private static readonly Regex PgbenchTps = new(@"tps = ([0-9.]+) \(without initial connection time\)", RegexOptions.Compiled);

    public static int Run(string[] args)
    {
        var commands = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4_000;
        int[] clients = args.Length > 2 ? [.. args[2].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))] : [1, 16, 64];
        var pgbenchSeconds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10;
        var groupCommit = new GroupCommitOptions { MaxConcurrentBatches = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1 };
        return RunAsync(commands, clients, pgbenchSeconds, groupCommit).GetAwaiter().GetResult();
    }

    /// <summary>A new deposit of 1 USDC unit to account <paramref name="account"/>; (round, account, index) make its key unique.</summary>
    public static CreditDeposit Deposit(int round, int account, int index) =>
        new(new DepositKey(Chain, $"0x{round:x8}{account:x8}{index:x8}", 0), "USDC", 1 + index, 1, "0xb10c", "0xdepositor");

    private static async Task<int> RunAsync(int commands, int[] clientCounts, int pgbenchSeconds, GroupCommitOptions groupCommit)
    {
        if (clientCounts.Any(c => c < 1 || commands % c != 0))
        {
            Console.Error.WriteLine($"{commands} credits must split evenly over each client count ({string.Join(',', clientCounts)})");
            return 2;
        }

        var pgbench = FindPgbench();
        await using var postgres = await PostgresServer.StartAsync();
        Console.WriteLine($"{postgres.Version}, pgbench {pgbench}; {commands:N0} credits per run; pgbench {pgbenchSeconds} s per run; {groupCommit}");

        // Warm-up, not reported: JIT of the host, the grains, Npgsql, and the server's caches.
        await RunOursAsync(await NewPostgresDatabaseAsync(postgres), 800, 16, groupCommit);
        await RunOursAsync(await NewPostgresDatabaseAsync(postgres), 800, 16, groupCommit: null);

        var rows = new List<string>();
        foreach (var clients in clientCounts)
        {
            var load = DepositBenchmarkHost.LoadAverage();
            var single = await RunOursAsync(await NewPostgresDatabaseAsync(postgres), commands, clients, groupCommit: null);
            var grouped = await RunOursAsync(await NewPostgresDatabaseAsync(postgres), commands, clients, groupCommit);
            var inserts = await RunPgbenchAsync(postgres, pgbench, clients, pgbenchSeconds);
            var loadAfter = DepositBenchmarkHost.LoadAverage();
            if (single is null || grouped is null)
            {
                return 1;
            }

            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {clients} | {single.PerSecond:N0} | {grouped.PerSecond:N0} | {grouped.AverageBatch:F1} | {inserts:N0} | {single.PerSecond / inserts:F2} | {grouped.PerSecond / inserts:F2} | {single.CpuPerCommand.TotalMilliseconds:F2} / {grouped.CpuPerCommand.TotalMilliseconds:F2} ms | {load} → {loadAfter} |"));
            Console.WriteLine(rows[^1]);
        }

        Console.WriteLine();
        Console.WriteLine("| Clients | Ours, one transaction per command (cmd/s) | Ours, group commit (cmd/s) | Commands per group transaction | pgbench single-row INSERT (tps) | Ratio unbatched / pgbench | Ratio group commit / pgbench | This process's CPU per command (unbatched / group) | Load (1, 5, 15 min) before → after |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        rows.ForEach(Console.WriteLine);
        return 0;
    }

    public sealed record OursResult(double PerSecond, double AverageBatch, TimeSpan CpuPerCommand);

    private static async Task<ClearingDatabase> NewPostgresDatabaseAsync(PostgresServer postgres) =>
        new(SqlDialect.PostgreSql, await postgres.CreateDatabaseAsync("grains"));

    /// <summary>
    /// Runs <paramref name="commands"/> credits from <paramref name="clients"/> clients (one account each) on a fresh
    /// host over <paramref name="database"/> (migrated here); null if the database does not then hold every credit.
    /// </summary>
    public static async Task<OursResult?> RunOursAsync(ClearingDatabase database, int commands, int clients, GroupCommitOptions? groupCommit)
    {
        await new SchemaMigrator(database, TimeProvider.System).MigrateAsync();
        var unitOfWork = new DurableUnitOfWork(database, groupCommit);
        var host = await DepositBenchmarkHost.StartAsync(database, Chain, usdcDecimals: 6, unitOfWork);
        try
        {
            var accounts = Enumerable.Range(0, clients).Select(i => host.GrainFactory.GetGrain<IMarginAccountGrain>($"acct-{i}")).ToArray();
            // Activation (a state read each) is not part of the command rate.
            await Task.WhenAll(accounts.Select(a => a.GetSnapshotAsync()));
            var before = unitOfWork.GroupCommit;

            var process = Process.GetCurrentProcess();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            await Task.WhenAll(accounts.Select(async (account, a) =>
            {
                for (var i = 0; i < commands / clients; i++)
                {
                    await account.CreditDepositAsync(Deposit(1, a, i));
                }
            }));
            wall.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;

            var credited = await CreditCountAsync(database);
            if (credited != commands)
            {
                Console.Error.WriteLine($"{clients} clients, group commit {groupCommit is not null}: {credited} credits in the database, expected {commands}");
                return null;
            }

            var after = unitOfWork.GroupCommit;
            var averageBatch = after is null ? 1.0 : (double)(after.Commands - before!.Commands) / (after.Batches - before.Batches);
            return new OursResult(commands / wall.Elapsed.TotalSeconds, averageBatch, cpu / commands);
        }
        finally
        {
            await host.StopAsync();
            // Close this database's pooled connections: the server's connection slots are pgbench's next.
            NpgsqlConnection.ClearAllPools();
        }
    }

    private static Task<long> CreditCountAsync(ClearingDatabase database) => database.ReadAsync(async connection =>
    {
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM idempotency_key WHERE idempotency_key LIKE 'credit:%'";
        return Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    });

    private static async Task<double> RunPgbenchAsync(PostgresServer postgres, string pgbench, int clients, int seconds)
    {
        var connectionString = await postgres.CreateDatabaseAsync("pgbench");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            // The shape of a journal row: an identity key, an account, a NUMERIC(78,0) amount and a time.
            await using var create = new NpgsqlCommand(
                "CREATE TABLE bench_insert (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account TEXT NOT NULL, amount NUMERIC(78,0) NOT NULL, created_at_ms BIGINT NOT NULL)",
                connection);
            await create.ExecuteNonQueryAsync();
        }

        var script = Path.GetTempFileName();
        await File.WriteAllTextAsync(script, "INSERT INTO bench_insert (account, amount, created_at_ms) VALUES ('acct-' || :client_id, 100, 0);\n");
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            var output = await Command.RunAsync(pgbench,
                ["-n", "-h", builder.Host!, "-p", builder.Port.ToString(CultureInfo.InvariantCulture), "-U", builder.Username!,
                 "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, 2).ToString(CultureInfo.InvariantCulture),
                 "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", script, builder.Database!],
                TimeSpan.FromSeconds(seconds + 60));
            var match = PgbenchTps.Match(output);
            return match.Success
                ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"pgbench printed no tps:\n{output}");
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Debian's pgbench next to the server binaries (newest major first), or on PATH.</summary>
    private static string FindPgbench()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable(PostgresServer.BinDirVariable) is { Length: > 0 } configured)
        {
            candidates.Add(Path.Combine(configured, "pgbench"));
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin", "pgbench")));
        }

        return candidates.FirstOrDefault(File.Exists) ?? Command.FindOnPath("pgbench")
            ?? throw new MissingPrerequisiteException("pgbench", "apt-get install -y postgresql  (Debian ships pgbench with the server)");
    }
}
