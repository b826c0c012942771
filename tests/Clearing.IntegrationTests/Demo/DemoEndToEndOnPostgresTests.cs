using System.Globalization;
using System.Numerics;
using Clearing.Chains.Evm.Abi;
using Clearing.Persistence;
using Clearing.Server.Demo;
using Clearing.TestKit;
using Npgsql;

namespace Clearing.IntegrationTests.Demo;

/// <summary>
/// Issue 7's end to end on real PostgreSQL: `clearing serve` runs as a child process over the demo's chains and is
/// SIGKILLed three times mid-scenario — right after the deposits are sent (before they are final), right after the
/// price falls (before the liquidation is planned) and right after the liquidation is planned (while the seizure is in
/// flight) — and restarted each time on the same database. The scenario must still complete, with each deposit credited
/// once and each seizure executed once, on the chain and in the ledger.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class DemoEndToEndOnPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private static readonly string[] KillAfter = ["deposit", "price-drop", "liquidatable"];
    private readonly string folder = Directory.CreateTempSubdirectory("clearing-e2e-").FullName;
    private readonly int port = FreePort.Next();
    private LocalChains chains = null!;
    private ChildProcess? serve;
    private string config = "";

    public async Task InitializeAsync() => chains = await LocalChains.StartAsync(RepoPaths.Root, CancellationToken.None);

    [Fact]
    public async Task Service_killed_three_times_mid_scenario_completes_it_with_every_deposit_credited_once_and_every_seizure_executed_once()
    {
        var deployment = await DemoDeployer.DeployAsync(chains, RepoPaths.Root, folder, DemoScenario.Funding, CancellationToken.None);
        var database = new PersistenceOptions { Provider = "postgresql", ConnectionString = await postgres.CreateDatabaseAsync() };
        var configuration = DemoConfiguration.Write(folder, deployment, database, "e2e-host");
        config = configuration.ConfigFile;
        await StartServeAsync();

        var api = new Uri($"http://127.0.0.1:{port}");
        using var member = new MemberApiClient(api, configuration.Member.KeyId, configuration.Member.Secret);
        using var operatorApi = new MemberApiClient(api, configuration.Operator.KeyId, configuration.Operator.Secret);
        using var wallets = new DemoWallets(deployment);
        var progress = new StringWriter();
        var killed = new List<string>();
        var scenario = new DemoScenario(member, operatorApi, wallets, progress)
        {
            AfterStep = async (step, _) =>
            {
                if (KillAfter.Contains(step))
                {
                    await KillServeAsync();
                    killed.Add(step);
                    await StartServeAsync();
                }
            },
        };

        var summary = await scenario.RunAsync(CancellationToken.None);

        Assert.True(summary.Passed, $"the scenario failed after {killed.Count} kill(s):\n{progress}\nserve's last output:\n{serve?.RecentOutput}");
        Assert.Equal(KillAfter, killed);

        // Each deposit once: one Deposited event on its chain, one credit in the ledger of exactly its amount.
        using var check = new ChainChecks(chains);
        await using var db = NpgsqlDataSource.Create(database.ConnectionString);
        foreach (var deposit in summary.Deposits)
        {
            var credits = await LedgerAsync(db, $"account:{deposit.Account}", deposit.Chain, deposit.Asset, "deposit");
            Assert.Equal([BigInteger.Parse(deposit.Amount, CultureInfo.InvariantCulture)], credits);
        }

        // Each seizure once: one outbox action per seizure, confirmed, bound to the transaction the API reported; the
        // vault emitted exactly that many Seized events, and the receiver holds exactly their sum.
        Assert.NotEmpty(summary.Liquidations);
        var seizeActions = await SeizeActionsAsync(db);
        Assert.Equal(summary.Liquidations.Count, seizeActions.Count);
        Assert.All(seizeActions, action => Assert.Equal("confirmed", action.State));
        Assert.Equal(summary.Liquidations.Select(l => l.Transaction).Order(StringComparer.Ordinal), seizeActions.Select(a => a.Transaction).Order(StringComparer.Ordinal));
        foreach (var chain in summary.Liquidations.Select(l => l.Chain).Distinct().Where(c => c != LocalChains.SolanaName))
        {
            var deployed = deployment.Evm(chain);
            var onChain = await check.SeizedLogsAsync(chain, deployed.Vault);
            var claimed = summary.Liquidations.Where(l => l.Chain == chain).ToList();
            Assert.Equal(claimed.Count, onChain.Count);
            var total = claimed.Aggregate(BigInteger.Zero, (sum, l) => sum + BigInteger.Parse(l.Amount, CultureInfo.InvariantCulture));
            Assert.Equal(total, onChain.Aggregate(BigInteger.Zero, (sum, log) => sum + (BigInteger)ClearingVaultAbi.Seized.Decode(log)["amount"]));
            Assert.Equal(total, await check.EvmTokenBalanceAsync(chain, deployed.Token, deployed.LiquidationReceiver));
        }
    }

    /// <summary>The ledger entries of one journal account on (chain, asset) of one kind, as amounts.</summary>
    private static async Task<List<BigInteger>> LedgerAsync(NpgsqlDataSource db, string account, string chain, string asset, string kind)
    {
        await using var command = db.CreateCommand("SELECT amount::text FROM ledger_entry WHERE account = $1 AND chain = $2 AND asset = $3 AND kind = $4 ORDER BY entry_id");
        command.Parameters.Add(new NpgsqlParameter { Value = account });
        command.Parameters.Add(new NpgsqlParameter { Value = chain });
        command.Parameters.Add(new NpgsqlParameter { Value = asset });
        command.Parameters.Add(new NpgsqlParameter { Value = kind });
        var amounts = new List<BigInteger>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            amounts.Add(BigInteger.Parse(reader.GetString(0), CultureInfo.InvariantCulture));
        }

        return amounts;
    }

    private static async Task<List<(string State, string Transaction)>> SeizeActionsAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("SELECT state, coalesce(tx_id, '') FROM outbox_action WHERE kind = 'seize' ORDER BY action_id");
        var actions = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            actions.Add((reader.GetString(0), reader.GetString(1)));
        }

        return actions;
    }

    /// <summary>`clearing serve` as a child process on the test's port; waits until /health answers.</summary>
    private async Task StartServeAsync()
    {
        serve = ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "clearing.dll"), "serve", "--config", config, "--urls", $"http://127.0.0.1:{port}"]);
        using var http = new HttpClient();
        await Wait.UntilAsync(
            async () =>
            {
                Assert.False(serve.HasExited, $"clearing serve exited:\n{serve.RecentOutput}");
                return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health"))).IsSuccessStatusCode;
            },
            TimeSpan.FromSeconds(90),
            "clearing serve to answer /health",
            TimeSpan.FromMilliseconds(200));
    }

    /// <summary>SIGKILL: no shutdown hook of serve runs (ChildProcess kills the process tree).</summary>
    private async Task KillServeAsync()
    {
        if (serve is not null)
        {
            await serve.DisposeAsync();
            serve = null;
        }
    }

    public async Task DisposeAsync()
    {
        await KillServeAsync();
        if (chains is not null)
        {
            await chains.DisposeAsync();
        }

        Directory.Delete(folder, recursive: true);
    }
}
