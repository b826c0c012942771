using Npgsql;

namespace Clearing.TestKit;

/// <summary>
/// A real PostgreSQL server for tests: Debian's server binaries, a cluster made by initdb in a private temporary
/// folder, listening on a free loopback port. Or, when CLEARING_TEST_POSTGRES holds a connection string,
/// an existing server (each test still gets databases of its own).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string ExistingServerVariable = "CLEARING_TEST_POSTGRES";
    public const string BinDirVariable = "CLEARING_PG_BINDIR";

    // initdb and pg_ctl refuse to run as root; Debian's package creates this unprivileged user.
    private const string ServiceUser = "postgres";
    private const string SuperUser = "clearing";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);

    private readonly string? dataRoot;
    private readonly string? binDir;
    private readonly bool runAsServiceUser;
    private int databaseCounter;

    private PostgresServer(string connectionString, string version, string? dataRoot, string? binDir, bool runAsServiceUser)
    {
        ConnectionString = connectionString;
        Version = version;
        this.dataRoot = dataRoot;
        this.binDir = binDir;
        this.runAsServiceUser = runAsServiceUser;
    }

    /// <summary>Connection string of the server's maintenance database (postgres).</summary>
    public string ConnectionString { get; }

    public string Version { get; }

    public int Port => new NpgsqlConnectionStringBuilder(ConnectionString).Port;

    public static async Task<PostgresServer> StartAsync()
    {
        var existing = Environment.GetEnvironmentVariable(ExistingServerVariable);
        if (!string.IsNullOrWhiteSpace(existing))
        {
            var version = await ServerVersionAsync(existing).ConfigureAwait(false);
            ComponentLog.Started("postgresql (existing server)", version, Describe(existing));
            return new PostgresServer(existing, version, null, null, false);
        }

        var bin = FindServerBinaries();
        var asServiceUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("clearing-pg-").FullName;
        var server = new PostgresServer("", "", root, bin, asServiceUser);
        try
        {
            return await server.InitAndStartAsync().ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates a new empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "test")
    {
        // PostgreSQL names are at most 63 bytes; several test processes may share one existing server.
        var name = $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref databaseCounter)}_{Guid.NewGuid():N}";
        name = name[..Math.Min(63, name.Length)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (dataRoot is null || binDir is null)
        {
            return;
        }

        var data = Path.Combine(dataRoot, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            try
            {
                await RunServerToolAsync("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already stopped: the folder is removed below either way.
            }
        }

        Directory.Delete(dataRoot, recursive: true);
    }

    private static string FindServerBinaries() => FindServerBinaries(DefaultBinaryFolders());

    /// <summary>The first folder holding initdb and pg_ctl, or a <see cref="MissingPrerequisiteException"/> naming them.</summary>
    public static string FindServerBinaries(IEnumerable<string> candidates) =>
        candidates.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            ?? throw new MissingPrerequisiteException(
                "The PostgreSQL server binaries (initdb, pg_ctl, postgres)",
                "apt-get install -y postgresql  (or set CLEARING_TEST_POSTGRES to a connection string of an existing server)");

    private static List<string> DefaultBinaryFolders()
    {
        var configured = Environment.GetEnvironmentVariable(BinDirVariable);
        var candidates = new List<string>();
        if (!string.IsNullOrWhiteSpace(configured))
        {
            candidates.Add(configured);
        }

        // Debian installs each major version's server under /usr/lib/postgresql/<major>/bin; prefer the newest.
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        if (Command.FindOnPath("initdb") is { } onPath)
        {
            candidates.Add(Path.GetDirectoryName(Path.GetFullPath(onPath))!);
        }

        return candidates;
    }

    private async Task<PostgresServer> InitAndStartAsync()
    {
        var data = Path.Combine(dataRoot!, "data");
        if (runAsServiceUser)
        {
            await Command.RunAsync("chown", [ServiceUser, dataRoot!], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        await RunServerToolAsync("initdb", ["-D", data, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
            .ConfigureAwait(false);

        // A port can be taken between our probe and the server's bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var options = $"-p {port} -k {dataRoot} -c listen_addresses=127.0.0.1 -c max_connections=200";
            try
            {
                await RunServerToolAsync("pg_ctl", ["-D", data, "-l", Path.Combine(dataRoot!, "server.log"), "-o", options, "-w", "-t", "60", "start"])
                    .ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                continue;
            }

            var connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = SuperUser,
                Database = "postgres",
                Pooling = true,
                MaxPoolSize = 100,
            }.ConnectionString;
            string version = "";
            await Wait.UntilAsync(
                async () =>
                {
                    version = await ServerVersionAsync(connectionString).ConfigureAwait(false);
                    return true;
                },
                StartDeadline,
                $"PostgreSQL on 127.0.0.1:{port} to accept connections").ConfigureAwait(false);
            ComponentLog.Started("postgresql", version, $"127.0.0.1:{port} (data in {dataRoot})");
            return new PostgresServer(connectionString, version, dataRoot, binDir, runAsServiceUser);
        }
    }

    private Task<string> RunServerToolAsync(string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(binDir!, tool);
        return runAsServiceUser
            ? Command.RunAsync("runuser", ["-u", ServiceUser, "--", path, .. arguments], StartDeadline)
            : Command.RunAsync(path, arguments, StartDeadline);
    }

    private static async Task<string> ServerVersionAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return "PostgreSQL " + (string)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    private static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}";
    }
}
