using System.Globalization;
using System.Numerics;
using Clearing.Server.Demo;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Demo;

/// <summary>
/// `clearing demo --exit-after-scenario --summary FILE` as a user runs it, in a child process. The test starts the
/// chains itself and hands them to the demo (--chain-a-rpc, --chain-b-rpc, --solana-rpc), so that after the demo has
/// exited it can still read the chains and check the summary's transactions there.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class DemoCommandTests : IDisposable
{
    private static readonly TimeSpan DemoDeadline = TimeSpan.FromMinutes(8);
    private readonly string folder = Directory.CreateTempSubdirectory("clearing-demo-test-").FullName;

    [Fact]
    public async Task Demo_exits_0_with_deposits_on_three_chains_a_liquidation_seized_on_chain_and_healthy_accounts_untouched()
    {
        await using var chains = await LocalChains.StartAsync(RepoPaths.Root, CancellationToken.None);
        var summaryFile = Path.Combine(folder, "summary.json");
        var (exitCode, output) = await RunDemoAsync(
            "demo", "--exit-after-scenario", "--summary", summaryFile, "--work-dir", Path.Combine(folder, "work"), "--repository", RepoPaths.Root,
            "--chain-a-rpc", chains.ChainA.RpcUrl.ToString(), "--chain-b-rpc", chains.ChainB.RpcUrl.ToString(), "--solana-rpc", chains.SolanaRpcUrl.ToString());

        Assert.True(exitCode == 0, $"clearing demo exited with {exitCode}. Its output:\n{output}");
        Assert.Contains("scenario complete: every step held", output, StringComparison.Ordinal);
        var summary = DemoSummary.Parse(await File.ReadAllTextAsync(summaryFile));
        Assert.True(summary.Passed);
        Assert.All(summary.Steps, step => Assert.Equal("passed", step.Outcome));

        // Deposits on all three chains, each a real deposit of that amount for that account on its chain.
        Assert.Equal([LocalChains.ChainAName, LocalChains.ChainBName, LocalChains.SolanaName], summary.Deposits.Select(d => d.Chain).Order(StringComparer.Ordinal));
        using var check = new ChainChecks(chains);
        foreach (var deposit in summary.Deposits)
        {
            if (deposit.Chain == LocalChains.SolanaName)
            {
                Assert.True(await check.SolanaSucceededAsync(deposit.Transaction), $"Solana deposit {deposit.Transaction} not found");
            }
            else
            {
                Assert.Equal((deposit.Account, BigInteger.Parse(deposit.Amount, CultureInfo.InvariantCulture)), await check.EvmDepositAsync(deposit.Chain, deposit.Transaction));
            }
        }

        // At least one liquidation, each seizure a vault Seized event of exactly that amount on its chain.
        Assert.NotEmpty(summary.Liquidations);
        foreach (var seizure in summary.Liquidations)
        {
            Assert.Equal(DemoScenario.Bob, seizure.Account);
            if (seizure.Chain == LocalChains.SolanaName)
            {
                Assert.True(await check.SolanaSucceededAsync(seizure.Transaction), $"Solana seizure {seizure.Transaction} not found");
                continue;
            }

            var seized = await check.EvmSeizureAsync(seizure.Chain, seizure.Transaction);
            Assert.Equal(BigInteger.Parse(seizure.Amount, CultureInfo.InvariantCulture), seized.Amount);
            Assert.Equal(seized.Amount, await check.EvmTokenBalanceAsync(seizure.Chain, seized.Token, seized.To));
        }

        // The seizure's trace: from the scanner's turn or an API request, through the grain turns, to the chain transaction.
        Assert.Contains(summary.Steps, step => step.Name == "trace");
        var trace = summary.LiquidationTrace;
        Assert.NotNull(trace);
        Assert.Matches("^[0-9a-f]{32}$", trace.TraceId);
        var spans = trace.Spans.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var executor = trace.Spans.First(s => s.Name.StartsWith("execute ", StringComparison.Ordinal) && summary.Liquidations.Any(l => string.Equals(l.Transaction, s.Tx, StringComparison.OrdinalIgnoreCase)));
        var path = new List<SummarySpan> { executor };
        while (path[^1].Parent is { } parent)
        {
            Assert.True(spans.TryGetValue(parent, out var up), $"the summary's trace breaks above '{path[^1].Name}': parent {parent} is not in it");
            path.Add(up);
        }

        var root = path[^1];
        Assert.True(root.Name.StartsWith("netting/", StringComparison.Ordinal) || root.Name.StartsWith("API ", StringComparison.Ordinal), $"the trace's root is '{root.Name}', neither the scanner's turn nor an API request");
        Assert.Contains(path, s => s.Name.StartsWith("liquidation-router/", StringComparison.Ordinal));
        Assert.Contains(trace.Spans, s => s.Name.StartsWith("margin-account/", StringComparison.Ordinal));
        Assert.Contains($"tx {executor.Tx}", output, StringComparison.Ordinal);

        // The healthy accounts were never touched and are healthy.
        Assert.Equal(DemoConfiguration.Accounts.Order(StringComparer.Ordinal), summary.Accounts.Select(a => a.Id).Order(StringComparer.Ordinal));
        foreach (var healthy in summary.Accounts.Where(a => a.Id != DemoScenario.Bob))
        {
            Assert.False(healthy.MaintHealth.StartsWith('-'), $"{healthy.Id}'s maintenance health is {healthy.MaintHealth}");
            Assert.DoesNotContain(summary.Liquidations, l => l.Account == healthy.Id);
        }
    }

    [Fact]
    public async Task Demo_with_only_some_running_chains_given_is_refused_before_starting_anything()
    {
        var (exitCode, output) = await RunDemoAsync("demo", "--exit-after-scenario", "--chain-a-rpc", "http://127.0.0.1:8545");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--chain-a-rpc, --chain-b-rpc and --solana-rpc go together", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[demo]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_refuses_a_work_folder_that_is_not_empty_and_names_it_in_the_summary()
    {
        var work = Directory.CreateDirectory(Path.Combine(folder, "used")).FullName;
        await File.WriteAllTextAsync(Path.Combine(work, "evm-a-operator.key"), "an earlier run's key");
        var summaryFile = Path.Combine(folder, "refused.json");

        var (exitCode, output) = await RunDemoAsync("demo", "--exit-after-scenario", "--summary", summaryFile, "--work-dir", work, "--repository", RepoPaths.Root);

        Assert.Equal(2, exitCode);
        Assert.Contains($"--work-dir {work} is not empty", output, StringComparison.Ordinal);
        var summary = DemoSummary.Parse(await File.ReadAllTextAsync(summaryFile));
        Assert.False(summary.Passed);
        Assert.Equal(new SummaryStep("setup", "failed", $"--work-dir {work} is not empty: give a new or empty folder."), Assert.Single(summary.Steps));
        Assert.Equal("an earlier run's key", await File.ReadAllTextAsync(Path.Combine(work, "evm-a-operator.key")));
    }

    /// <summary>Runs the built `clearing` (clearing.dll next to this assembly) to its end, within <see cref="DemoDeadline"/>; stdout and stderr together.</summary>
    private static async Task<(int ExitCode, string Output)> RunDemoAsync(params string[] arguments)
    {
        var result = await ClearingProcess.RunAsync(DemoDeadline, RepoPaths.Root, arguments);
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
