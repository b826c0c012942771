using System.Net;
using System.Net.Sockets;
using Clearing.Persistence;
using Clearing.Server.Api;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Clearing.Server.Demo;

/// <summary>How <c>clearing demo</c> was asked to run.</summary>
/// <param name="ExistingChains">Running nodes to use instead of starting them (chain A, chain B, Solana), or null.</param>
public sealed record DemoOptions(bool ExitAfterScenario, string? SummaryFile, string? WorkFolder, int? Port, string? RepositoryRoot, bool Verbose, (Uri ChainA, Uri ChainB, Uri Solana)? ExistingChains = null);

/// <summary>
/// <c>clearing demo</c>: starts the local chains, deploys the vaults, writes the service configuration, runs the
/// service in this process (the composition of <c>clearing serve</c>: <see cref="ClearingApiHost.Build"/>) on an
/// embedded SQLite database in the work folder, runs <see cref="DemoScenario"/> against it and then keeps serving
/// until Ctrl-C (or exits, with <see cref="DemoOptions.ExitAfterScenario"/>).
/// </summary>
public static class DemoRunner
{
    /// <returns>0 when every step held; 1 when a scenario step failed; 2 when the demo could not be set up.</returns>
    public static async Task<int> RunAsync(DemoOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        string root;
        try
        {
            root = RepositoryRoot(options.RepositoryRoot);
        }
        catch (DemoPrerequisiteException e)
        {
            return await SetupFailedAsync(options, progress, "setup", e.Message);
        }

        if (options.WorkFolder is { } given && Directory.Exists(given) && Directory.EnumerateFileSystemEntries(given).Any())
        {
            // Key files are never overwritten, and an old database would hold another run's deposits.
            return await SetupFailedAsync(options, progress, "setup", $"--work-dir {given} is not empty: give a new or empty folder.");
        }

        var folder = options.WorkFolder is { } requested ? Directory.CreateDirectory(requested).FullName : Directory.CreateTempSubdirectory("clearing-demo-").FullName;
        progress.WriteLine($"[demo] work folder {folder} (keys, secrets, configuration, SQLite database)");
        progress.WriteLine(options.ExistingChains is null ? "[demo] starting two anvil chains and the Solana devnet ..." : "[demo] using the running chains given on the command line ...");
        LocalChains chains;
        try
        {
            chains = options.ExistingChains is { } existing
                ? await LocalChains.AttachAsync(existing.ChainA, existing.ChainB, existing.Solana, cancellationToken)
                : await LocalChains.StartAsync(root, cancellationToken);
        }
        catch (Exception e) when (e is DemoPrerequisiteException or InvalidOperationException or Clearing.Chains.RpcException or HttpRequestException)
        {
            return await SetupFailedAsync(options, progress, "chains", e.Message);
        }

        try
        {
            await using var runningChains = chains;
            progress.WriteLine($"[demo]     {chains.ChainA.Name} {chains.ChainA.RpcUrl} (chain id {chains.ChainA.ChainId}), {chains.ChainB.Name} {chains.ChainB.RpcUrl} (chain id {chains.ChainB.ChainId}), {LocalChains.SolanaName} {chains.SolanaRpcUrl}");
            progress.WriteLine("[demo] deploying the EVM vaults and test tokens, initializing the Solana vault, funding three users ...");
            DemoDeployment deployment;
            try
            {
                deployment = await DemoDeployer.DeployAsync(chains, root, folder, DemoScenario.Funding, cancellationToken);
            }
            catch (Exception e) when (e is DemoPrerequisiteException or InvalidOperationException or TimeoutException or Clearing.Chains.RpcException or HttpRequestException)
            {
                return await SetupFailedAsync(options, progress, "deploy", e.Message);
            }

            foreach (var chain in deployment.EvmChains)
            {
                progress.WriteLine($"[demo]     {chain.Chain.Name}: vault {chain.Vault.ToChecksumString()}, {chain.Asset} {chain.Token.ToChecksumString()}, seizures to {chain.LiquidationReceiver.ToChecksumString()}");
            }

            progress.WriteLine($"[demo]     {LocalChains.SolanaName}: vault authority {deployment.Solana.Authority}, USDC mint {deployment.Solana.Mint}, vault token account {deployment.Solana.VaultTokenAccount}");

            var database = new PersistenceOptions { Provider = "sqlite", ConnectionString = $"Data Source={Path.Combine(folder, "clearing.sqlite")}" };
            var configuration = DemoConfiguration.Write(folder, deployment, database, "clearing-demo");
            var port = options.Port ?? FreeLoopbackPort();
            var api = new Uri($"http://127.0.0.1:{port}");
            WebApplication app;
            try
            {
                app = ClearingApiHost.Build([], builder =>
                {
                    builder.Configuration.AddJsonFile(configuration.ConfigFile, optional: false);
                    builder.WebHost.UseUrls(api.ToString());
                    if (!options.Verbose)
                    {
                        // The demo's own progress lines are the output; the host's warnings and errors still show.
                        builder.Logging.SetMinimumLevel(LogLevel.Warning);
                    }
                });
            }
            catch (Exception e) when (e is ApiConfigurationException or FileNotFoundException or InvalidDataException)
            {
                return await SetupFailedAsync(options, progress, "service", e.Message);
            }

            await using (app)
            {
                try
                {
                    await app.StartAsync(cancellationToken);
                }
                catch (IOException e)
                {
                    // Kestrel could not bind (the --port is taken).
                    return await SetupFailedAsync(options, progress, "service", e.Message);
                }

                // The host handles Ctrl-C and SIGTERM itself (it signals ApplicationStopping): either ends the demo.
                using var running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
                progress.WriteLine($"[demo] service up: API {api}v1  OpenAPI {api}openapi.json  metrics {api}metrics  health {api}health");
                progress.WriteLine($"[demo]     member key id {configuration.Member.KeyId} (secret in {folder}), operator key id {configuration.Operator.KeyId}");

                using var member = new MemberApiClient(api, configuration.Member.KeyId, configuration.Member.Secret);
                using var operatorApi = new MemberApiClient(api, configuration.Operator.KeyId, configuration.Operator.Secret);
                using var wallets = new DemoWallets(deployment);
                using var traces = new DemoTraceRecorder();
                DemoSummary summary;
                try
                {
                    summary = await new DemoScenario(member, operatorApi, wallets, progress) { Traces = traces }.RunAsync(running.Token);
                }
                catch (OperationCanceledException) when (running.IsCancellationRequested)
                {
                    progress.WriteLine("[demo] stopped before the scenario ended");
                    await app.StopAsync(CancellationToken.None);
                    return 1;
                }

                if (options.SummaryFile is { } summaryFile)
                {
                    await File.WriteAllTextAsync(summaryFile, summary.ToJson(), CancellationToken.None);
                    progress.WriteLine($"[demo] summary written to {Path.GetFullPath(summaryFile)}");
                }

                if (!options.ExitAfterScenario)
                {
                    progress.WriteLine($"[demo] serving: API {api}v1, metrics {api}metrics. Press Ctrl-C to stop.");
                    try
                    {
                        await Task.Delay(Timeout.Infinite, running.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        progress.WriteLine("[demo] stopping");
                    }
                }

                await app.StopAsync(CancellationToken.None);
                return summary.Passed ? 0 : 1;
            }
        }
        finally
        {
            // Pooled connections keep the SQLite file open; the folder stays for inspection.
            SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>The clone this runs from: <paramref name="requested"/>, else the first folder above the current directory or the executable that holds deploy/devnet.</summary>
    public static string RepositoryRoot(string? requested)
    {
        var candidates = requested is not null
            ? [new DirectoryInfo(requested)]
            : new[] { new DirectoryInfo(Directory.GetCurrentDirectory()), new DirectoryInfo(AppContext.BaseDirectory) };
        foreach (var start in candidates)
        {
            for (var dir = start; dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "deploy", "devnet", "solana-rpc.mjs")))
                {
                    return dir.FullName;
                }

                if (requested is not null)
                {
                    break;
                }
            }
        }

        throw new DemoPrerequisiteException(requested is not null
            ? $"--repository {requested} holds no deploy/devnet/solana-rpc.mjs."
            : "No Clearing clone (deploy/devnet/solana-rpc.mjs) above the current directory: run the demo from the repository (./demo.sh) or pass --repository.");
    }

    private static async Task<int> SetupFailedAsync(DemoOptions options, TextWriter progress, string step, string reason)
    {
        progress.WriteLine($"[demo] FAILED at {step}: {reason}");
        if (options.SummaryFile is { } summaryFile)
        {
            await File.WriteAllTextAsync(summaryFile, new DemoSummary([], [], [], [new SummaryStep(step, "failed", reason)], false).ToJson());
        }

        return 2;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
