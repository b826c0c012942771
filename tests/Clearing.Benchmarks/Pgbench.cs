using System.Globalization;
using System.Text.RegularExpressions;
using Clearing.TestKit;
using Npgsql;

namespace Clearing.Benchmarks;

/// <summary>
/// The denominator of the PostgreSQL ratio: Debian's pgbench, <c>-n -c clients -j 2 -T seconds</c>, a custom script
/// of one <c>INSERT INTO bench_insert … VALUES (…)</c> per transaction (autocommit: one fsync'd commit each), in a
/// fresh database of the server under test.
/// </summary>
internal static partial class Pgbench
{
    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex Tps();

    /// <summary>Single-row inserts per second (pgbench's tps without initial connection time) from <paramref name="clients"/> clients for <paramref name="seconds"/> s.</summary>
    public static async Task<double> InsertRateAsync(PostgresServer postgres, int clients, int seconds)
    {
        var pgbench = Find();
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

        NpgsqlConnection.ClearAllPools();
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
            var match = Tps().Match(output);
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
    private static string Find()
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
