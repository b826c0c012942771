using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Server.Demo;

/// <summary>A step of the scenario did not hold; the message says what was expected and what was seen last.</summary>
public sealed class DemoStepFailedException(string message) : Exception(message);

/// <summary>
/// The end-to-end scenario of issue 7, driven the way the outside world drives Clearing: the service only through the
/// signed member API (and the operator's price endpoint), the chains only through JSON-RPC. Three users deposit on
/// chain A, chain B and Solana; the member reports perp fills for them (bob's leave him owing USDC against his WETH); a withdrawal that would break initial health
/// is refused and one that does not is paid on its chain; WETH's price falls, bob's account becomes liquidatable and
/// its WETH is seized on chain B — confirmed by reading chain B — while the API, the ledger and the event stream show
/// it; alice and carol are never touched. Every wait is a condition with a deadline.
/// </summary>
public sealed class DemoScenario(MemberApiClient member, MemberApiClient operatorApi, DemoWallets wallets, TextWriter progress)
{
    public const string Alice = "alice";
    public const string Bob = "bob";
    public const string Carol = "carol";
    public const string Market = "BTC-PERP";
    public const string BtcPrice = "60000";
    public const int WethPriceBefore = 2500;

    /// <summary>
    /// WETH's price after the fall: bob's 4 WETH are then worth 2,800 USD and count 2,240 toward maintenance, less than
    /// the 2,500 USDC he owes — liquidatable, but not bankrupt (the `clearing margin` plan: seize about 2.48 WETH on chain B).
    /// </summary>
    public const int WethPriceAfter = 700;

    /// <summary>Alice: 10,000 USDC on chain A (6 decimals).</summary>
    public static readonly BigInteger AliceUsdc = 10_000_000_000;

    /// <summary>Bob: 4 WETH on chain B (18 decimals).</summary>
    public static readonly BigInteger BobWeth = 4 * BigInteger.Pow(10, 18);

    /// <summary>Carol: 5,000 USDC on Solana (6 decimals).</summary>
    public static readonly BigInteger CarolUsdc = 5_000_000_000;

    /// <summary>Alice asks to withdraw 9,900 USDC: 100 USD would be left against a 300 USD initial requirement, so it is refused.</summary>
    public static readonly BigInteger AliceTooLargeWithdrawal = 9_900_000_000;

    /// <summary>Alice withdraws 1,000 USDC: initial health stays far above zero, so it is paid on chain A.</summary>
    public static readonly BigInteger AliceWithdrawal = 1_000_000_000;

    /// <summary>What each user holds before depositing (account, chain, base units).</summary>
    public static readonly IReadOnlyList<(string Account, string Chain, BigInteger Units)> Funding =
    [
        (Alice, LocalChains.ChainAName, AliceUsdc),
        (Bob, LocalChains.ChainBName, BobWeth),
        (Carol, LocalChains.SolanaName, CarolUsdc),
    ];

    /// <summary>
    /// The fills the member reports (size in BTC, signed; USD price). Alice goes long and carol short 0.05 BTC. Bob buys
    /// 1 BTC at 60,000 (6,000 of initial margin against the 7,000 his WETH counts for) and sells it at 57,500: he realizes
    /// a 2,500 USD loss, which he owes in the settlement asset (USDC on chain A) against his WETH on chain B.
    /// </summary>
    public static readonly IReadOnlyList<(string Account, string SizeDelta, string Price)> Trades =
    [
        (Alice, "0.05", BtcPrice),
        (Carol, "-0.05", BtcPrice),
        (Bob, "1", BtcPrice),
        (Bob, "-1", "57500"),
    ];

    private static readonly TimeSpan CreditDeadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ChainDeadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan LiquidationDeadline = TimeSpan.FromSeconds(120);

    private readonly List<SummaryDeposit> deposits = [];
    private readonly List<SummaryLiquidation> liquidations = [];
    private readonly List<SummaryStep> steps = [];
    private readonly DemoEventStream events = new(member);
    private SummaryTrace? liquidationTrace;
    private CancellationToken stopping;

    /// <summary>
    /// The spans of the service running in this process (the demo's own run): with it, a step shows and checks the
    /// liquidation's trace from the scanner or the API through the grain turns to the chain transaction.
    /// </summary>
    public DemoTraceRecorder? Traces { get; init; }

    /// <summary>Called after each step that held, with its name (tests stop and restart the service here).</summary>
    public Func<string, CancellationToken, Task>? AfterStep { get; init; }

    public async Task<DemoSummary> RunAsync(CancellationToken cancellationToken)
    {
        stopping = cancellationToken;
        // The event stream is read from the start, so it shows the scenario as a member's integration would see it.
        events.Start(cancellationToken);
        try
        {
            await StepAsync("price-feed", $"the oracle prices WETH at {WethPriceBefore} USD from chain B's WETH/USD feed", [], ct => WaitForWethPriceAsync(WethPriceBefore, ct), cancellationToken);
            await StepAsync("deposit", "three users deposit on chain A, chain B and Solana with their own keys", [], DepositAsync, cancellationToken);
            await StepAsync("credit", "each deposit is credited once, after finality", ["deposit"], CreditAsync, cancellationToken);
            await StepAsync("trade", $"the member reports {Market} fills for them through the signed API (bob closes at a 2,500 USD loss)", ["credit", "price-feed"], TradeAsync, cancellationToken);
            await StepAsync("withdraw-refused", "a withdrawal that would break initial health is refused", ["trade"], WithdrawRefusedAsync, cancellationToken);
            await StepAsync("withdraw-paid", "a withdrawal that keeps initial health is paid on chain A", ["trade"], WithdrawPaidAsync, cancellationToken);
            await StepAsync("price-drop", $"WETH falls from {WethPriceBefore} to {WethPriceAfter} USD: a new round on chain B's WETH/USD feed", ["trade"], PriceDropAsync, cancellationToken);
            await StepAsync("liquidatable", "bob's account falls below maintenance and a liquidation is planned", ["price-drop"], LiquidatableAsync, cancellationToken);
            await StepAsync("seizure", "bob's collateral is seized on the chain that holds it, checked by reading that chain", ["liquidatable"], SeizureAsync, cancellationToken);
            await StepAsync("ledger", "the ledger and GET /v1/accounts/bob/liquidations show the liquidation", ["seizure"], LedgerAsync, cancellationToken);
            await StepAsync("events", "the member's event stream (SSE) carried bob's liquidation and nothing of the kind for the others", ["seizure"], EventsAsync, cancellationToken);
            await StepAsync("metrics", "/metrics shows the deposits on all three chains and the seizure", ["seizure"], MetricsAsync, cancellationToken);
            if (Traces is { } traces)
            {
                await StepAsync("trace", "the seizure's trace runs from the scanner or the API through the grain turns to the chain transaction", ["seizure"], _ => TraceAsync(traces), cancellationToken);
            }

            await StepAsync("healthy-untouched", "alice and carol are healthy and were never liquidated", ["trade"], HealthyUntouchedAsync, cancellationToken);
            var accounts = new List<SummaryAccount>();
            foreach (var account in DemoConfiguration.Accounts)
            {
                accounts.Add(new SummaryAccount(account, await TryMaintHealthAsync(account, cancellationToken)));
            }

            var passed = steps.All(s => s.Outcome == "passed");
            progress.WriteLine(passed
                ? "[demo] scenario complete: every step held"
                : $"[demo] scenario FAILED: {string.Join(", ", steps.Where(s => s.Outcome != "passed").Select(s => $"{s.Name} {s.Outcome}"))}");
            return new DemoSummary([.. deposits], [.. liquidations], accounts, [.. steps], passed, liquidationTrace);
        }
        finally
        {
            await events.DisposeAsync();
        }
    }

    private async Task StepAsync(string name, string description, string[] needs, Func<CancellationToken, Task<string>> run, CancellationToken cancellationToken)
    {
        var number = steps.Count + 1;
        var missing = needs.Where(n => steps.Any(s => s.Name == n && s.Outcome != "passed")).ToList();
        if (missing.Count > 0)
        {
            var why = $"needs {string.Join(", ", missing)}";
            steps.Add(new SummaryStep(name, "skipped", why));
            progress.WriteLine($"[demo] {number,2}. {description}: SKIPPED ({why})");
            return;
        }

        progress.WriteLine($"[demo] {number,2}. {description} ...");
        var clock = Stopwatch.StartNew();
        try
        {
            var detail = await run(cancellationToken);
            steps.Add(new SummaryStep(name, "passed", detail));
            progress.WriteLine($"[demo]     ok ({clock.Elapsed.TotalSeconds:0.0} s) {detail}");
        }
        catch (Exception e) when (e is DemoStepFailedException or TimeoutException or HttpRequestException or InvalidOperationException or JsonException or Clearing.Chains.RpcException)
        {
            steps.Add(new SummaryStep(name, "failed", e.Message));
            progress.WriteLine($"[demo]     FAILED ({clock.Elapsed.TotalSeconds:0.0} s): {e.Message}");
            return;
        }

        if (AfterStep is { } after)
        {
            await after(name, cancellationToken);
        }
    }

    /// <summary>Each user reads its deposit instructions from the API (through the member) and follows them with its own key.</summary>
    private async Task<string> DepositAsync(CancellationToken cancellationToken)
    {
        foreach (var (account, chain, units) in Funding)
        {
            var user = wallets.Deployment.User(account);
            var asset = chain == LocalChains.SolanaName ? wallets.Deployment.Solana.Asset : wallets.Deployment.Evm(chain).Asset;
            var (vault, assetAccount, accountField) = await DepositInstructionAsync(account, chain, asset, cancellationToken);
            string transaction;
            if (chain == LocalChains.SolanaName)
            {
                if (assetAccount != wallets.Deployment.Solana.VaultTokenAccount.ToString() || accountField != account)
                {
                    throw new DemoStepFailedException($"{account}'s Solana deposit instruction names token account {assetAccount} and memo '{accountField}'; the vault's is {wallets.Deployment.Solana.VaultTokenAccount} and the memo should be the account id");
                }

                transaction = await wallets.DepositSolanaAsync(user, PublicKey.Parse(assetAccount), accountField, (ulong)units, cancellationToken);
            }
            else
            {
                var deployed = wallets.Deployment.Evm(chain);
                if (!EvmAddress.TryParse(vault, out var vaultAddress) || vaultAddress != deployed.Vault || !EvmAddress.TryParse(assetAccount, out var token) || token != deployed.Token)
                {
                    throw new DemoStepFailedException($"{account}'s deposit instruction on {chain} names vault {vault} and {asset} token {assetAccount}; deployed are {deployed.Vault} and {deployed.Token}");
                }

                transaction = await wallets.DepositEvmAsync(user, vaultAddress, token, Convert.FromHexString(accountField.AsSpan(2)), units, cancellationToken);
            }

            deposits.Add(new SummaryDeposit(account, chain, asset, units.ToString(CultureInfo.InvariantCulture), transaction));
            progress.WriteLine($"[demo]     {account,-6} deposited {Whole(units, Decimals(chain)),12} {asset,-4} on {chain,-7} tx {transaction}");
        }

        return $"{deposits.Count} deposits sent, each as GET /v1/accounts/{{id}}/deposit-instructions said";
    }

    /// <summary>The account's instruction for <paramref name="chain"/>: the vault, where <paramref name="asset"/> goes, and the account field (bytes32 hex or memo).</summary>
    private async Task<(string Vault, string AssetAccount, string AccountField)> DepositInstructionAsync(string account, string chain, string asset, CancellationToken cancellationToken)
    {
        var answer = await member.GetAsync($"/v1/accounts/{account}/deposit-instructions", cancellationToken);
        if (!answer.IsSuccess)
        {
            throw new DemoStepFailedException($"GET /v1/accounts/{account}/deposit-instructions: {answer}");
        }

        using var json = answer.Json();
        foreach (var instruction in json.RootElement.GetProperty("chains").EnumerateArray())
        {
            if (instruction.GetProperty("chain").GetString() == chain && instruction.GetProperty("assets").TryGetProperty(asset, out var assetAccount))
            {
                return (instruction.GetProperty("vault").GetString()!, assetAccount.GetString()!, instruction.GetProperty("accountField").GetString()!);
            }
        }

        throw new DemoStepFailedException($"{account}'s deposit instructions have no {asset} on {chain}: {answer.Body}");
    }

    private async Task<string> CreditAsync(CancellationToken cancellationToken)
    {
        foreach (var deposit in deposits)
        {
            var expected = BigInteger.Parse(deposit.Amount, CultureInfo.InvariantCulture);
            await UntilAsync(
                async () => (await BalanceAsync(deposit.Account, deposit.Chain, deposit.Asset, cancellationToken)) is { } b && b.Available == expected && b.Pending == 0,
                CreditDeadline,
                $"{deposit.Account}'s {deposit.Asset} deposit on {deposit.Chain} credited as {deposit.Amount} available, nothing pending",
                () => LastBalanceAsync(deposit.Account, cancellationToken));
            progress.WriteLine($"[demo]     {deposit.Account,-6} credited {Whole(expected, Decimals(deposit.Chain)),12} {deposit.Asset,-4} on {deposit.Chain}");
        }

        return "all three credited exactly once";
    }

    private async Task<string> TradeAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < Trades.Count; i++)
        {
            var (account, size, price) = Trades[i];
            var body = JsonSerializer.Serialize(new { market = Market, sizeDelta = size, price });
            var answer = await member.PostAsync($"/v1/accounts/{account}/trades", body, $"demo-trade-{i}-{account}", cancellationToken);
            if (answer.Status != System.Net.HttpStatusCode.Created)
            {
                throw new DemoStepFailedException($"the fill {size} {Market} @ {price} for {account} was not accepted: {answer}");
            }

            using var json = answer.Json();
            progress.WriteLine($"[demo]     {account,-6} {(size.StartsWith('-') ? "sells" : "buys"),-5} {size.TrimStart('-')} {Market} @ {price}; initial health {Usd(json.RootElement.GetProperty("initialHealthAfter").GetString())}");
        }

        return $"{Trades.Count} fills applied";
    }

    private async Task<string> WithdrawRefusedAsync(CancellationToken cancellationToken)
    {
        var chain = wallets.Deployment.ChainA;
        var body = WithdrawalBody(chain.Chain.Name, chain.Asset, AliceTooLargeWithdrawal, EvmPrivateKey.Generate().Address.ToChecksumString());
        var answer = await member.PostAsync($"/v1/accounts/{Alice}/withdrawals", body, "demo-withdraw-too-much", cancellationToken);
        if (answer.Status != System.Net.HttpStatusCode.UnprocessableEntity || !answer.Body.Contains("initial health", StringComparison.OrdinalIgnoreCase))
        {
            throw new DemoStepFailedException($"withdrawing {Whole(AliceTooLargeWithdrawal, 6)} USDC from alice should be refused for initial health: {answer}");
        }

        using var json = answer.Json();
        var reason = json.RootElement.GetProperty("detail").GetString();
        progress.WriteLine($"[demo]     alice  withdraw {Whole(AliceTooLargeWithdrawal, 6)} USDC -> 422: {reason}");
        var after = await BalanceAsync(Alice, chain.Chain.Name, chain.Asset, cancellationToken);
        if (after is not { } b || b.Available != AliceUsdc || b.Reserved != 0)
        {
            throw new DemoStepFailedException($"the refused withdrawal changed alice's balance: {after}");
        }

        return "refused, nothing reserved";
    }

    private async Task<string> WithdrawPaidAsync(CancellationToken cancellationToken)
    {
        var chain = wallets.Deployment.ChainA;
        var recipient = EvmPrivateKey.Generate().Address;
        var body = WithdrawalBody(chain.Chain.Name, chain.Asset, AliceWithdrawal, recipient.ToChecksumString());
        var answer = await member.PostAsync($"/v1/accounts/{Alice}/withdrawals", body, "demo-withdraw-1000", cancellationToken);
        if (answer.Status != System.Net.HttpStatusCode.Created)
        {
            throw new DemoStepFailedException($"withdrawing {Whole(AliceWithdrawal, 6)} USDC from alice should be accepted: {answer}");
        }

        progress.WriteLine($"[demo]     alice  withdraw {Whole(AliceWithdrawal, 6)} USDC to {recipient.ToChecksumString()} -> 201 requested");
        await UntilAsync(
            async () => await wallets.EvmTokenBalanceAsync(chain, recipient, cancellationToken) == AliceWithdrawal,
            ChainDeadline,
            $"{Whole(AliceWithdrawal, 6)} USDC paid to {recipient.ToChecksumString()} on {chain.Chain.Name}",
            async () => $"recipient holds {await wallets.EvmTokenBalanceAsync(chain, recipient, cancellationToken)} base units");
        await UntilAsync(
            async () => (await BalanceAsync(Alice, chain.Chain.Name, chain.Asset, cancellationToken)) is { } b && b.Available == AliceUsdc - AliceWithdrawal && b.Reserved == 0,
            ChainDeadline,
            "alice's withdrawal settled in the ledger (available down by the amount, nothing reserved)",
            () => LastBalanceAsync(Alice, cancellationToken));
        return $"paid on {chain.Chain.Name} and settled";
    }

    private async Task<string> PriceDropAsync(CancellationToken cancellationToken)
    {
        var transaction = await wallets.PublishWethPriceAsync(WethPriceAfter, cancellationToken);
        progress.WriteLine($"[demo]     WETH/USD round {WethPriceAfter} published on {wallets.Deployment.ChainB.Chain.Name}: tx {transaction}");
        return await WaitForWethPriceAsync(WethPriceAfter, cancellationToken);
    }

    /// <summary>Waits until the service's oracle (GET /v1/operator/prices, operator credential) has WETH live at <paramref name="usd"/>.</summary>
    private async Task<string> WaitForWethPriceAsync(int usd, CancellationToken cancellationToken)
    {
        var expected = usd.ToString(CultureInfo.InvariantCulture);
        await UntilAsync(
            async () =>
            {
                var answer = await operatorApi.GetAsync("/v1/operator/prices", cancellationToken);
                if (!answer.IsSuccess)
                {
                    return false;
                }

                using var json = answer.Json();
                return json.RootElement.GetProperty("assets").EnumerateArray().Any(p =>
                    p.GetProperty("asset").GetString() == DemoDeployer.WethAsset && p.GetProperty("status").GetString() == "live" && p.GetProperty("price").GetString() == expected);
            },
            ChainDeadline,
            $"the oracle to price WETH live at {expected} USD",
            async () => $"GET /v1/operator/prices: {await operatorApi.GetAsync("/v1/operator/prices", cancellationToken)}");
        return $"oracle: WETH live at {expected} USD";
    }

    private async Task<string> LiquidatableAsync(CancellationToken cancellationToken)
    {
        // The scanner may plan the liquidation before we look: a liquidation listed for bob counts as well.
        await UntilAsync(
            async () => (await LiquidationsAsync(Bob, cancellationToken)).Count > 0 || (await HealthAsync(Bob, cancellationToken)).Liquidatable,
            LiquidationDeadline,
            "bob's account liquidatable or a liquidation planned for it",
            () => LastBalanceAsync(Bob, cancellationToken));
        await UntilAsync(
            async () => (await LiquidationsAsync(Bob, cancellationToken)).Count > 0,
            LiquidationDeadline,
            "a liquidation planned for bob",
            async () => (await member.GetAsync($"/v1/accounts/{Bob}/liquidations", cancellationToken)).ToString());
        var planned = (await LiquidationsAsync(Bob, cancellationToken))[0];
        return $"liquidation {planned.GetProperty("liquidationId").GetString()} planned (maintenance health before: {Usd(planned.GetProperty("maintHealthBefore").ToString())})";
    }

    private async Task<string> SeizureAsync(CancellationToken cancellationToken)
    {
        // Every seize step of bob's liquidations confirmed, with the transaction that did it.
        List<JsonElement> seizures = [];
        await UntilAsync(
            async () =>
            {
                seizures = [.. (await LiquidationsAsync(Bob, cancellationToken)).SelectMany(Steps).Where(s => s.GetProperty("kind").GetString() == "seize")];
                return seizures.Count > 0 && seizures.All(s => s.GetProperty("state").GetString() is "confirmed" or "applied" && s.TryGetProperty("transaction", out var t) && t.ValueKind == JsonValueKind.String);
            },
            LiquidationDeadline,
            "bob's seizures confirmed on chain",
            async () => (await member.GetAsync($"/v1/accounts/{Bob}/liquidations", cancellationToken)).ToString());

        var byChain = new Dictionary<string, BigInteger>();
        foreach (var seizure in seizures)
        {
            var chain = seizure.GetProperty("chain").GetString()!;
            var asset = seizure.GetProperty("asset").GetString()!;
            var amount = BigInteger.Parse(seizure.GetProperty("amount").GetString()!, CultureInfo.InvariantCulture);
            var transaction = seizure.GetProperty("transaction").GetString()!;
            await VerifySeizureOnChainAsync(chain, amount, transaction, cancellationToken);
            byChain[chain] = byChain.GetValueOrDefault(chain) + amount;
            liquidations.Add(new SummaryLiquidation(Bob, chain, asset, amount.ToString(CultureInfo.InvariantCulture), transaction));
            progress.WriteLine($"[demo]     seized {Whole(amount, Decimals(chain))} {asset} of bob on {chain}: tx {transaction} (checked on chain)");
        }

        // The receivers hold exactly what was seized: each seizure was executed once.
        foreach (var (chain, total) in byChain)
        {
            var held = await ReceiverBalanceAsync(chain, cancellationToken);
            if (held != total)
            {
                throw new DemoStepFailedException($"the liquidation receiver on {chain} holds {held} base units, but the seizures add up to {total}");
            }
        }

        return $"{seizures.Count} seizure(s) confirmed on {string.Join(", ", byChain.Keys)}";
    }

    private async Task<string> LedgerAsync(CancellationToken cancellationToken)
    {
        var seized = liquidations.GroupBy(l => (l.Chain, l.Asset)).ToDictionary(g => g.Key, g => g.Aggregate(BigInteger.Zero, (sum, l) => sum + BigInteger.Parse(l.Amount, CultureInfo.InvariantCulture)));
        var bobChain = wallets.Deployment.ChainB;
        await UntilAsync(
            async () =>
            {
                var weth = await BalanceAsync(Bob, bobChain.Chain.Name, bobChain.Asset, cancellationToken);
                var done = (await LiquidationsAsync(Bob, cancellationToken)).Any(l => l.GetProperty("state").GetString() == "completed");
                return done && weth is { } b && b.Available + b.Reserved == BobWeth - seized.GetValueOrDefault((bobChain.Chain.Name, bobChain.Asset));
            },
            LiquidationDeadline,
            "bob's liquidation completed and his WETH balance down by exactly what was seized",
            () => LastBalanceAsync(Bob, cancellationToken));
        var health = await HealthAsync(Bob, cancellationToken);
        return $"bob: liquidation completed, WETH left {Whole(BobWeth - seized.GetValueOrDefault((bobChain.Chain.Name, bobChain.Asset)), 18)}, maintenance health {Usd(health.Maintenance)}";
    }

    /// <remarks>The stream is in memory: an event published by a service that was then killed is not replayed, and the
    /// restarted service says so with a gap notice. So liquidation.planned is required unless the stream announced a
    /// gap (the end-to-end test kills the service right after planning); liquidation.completed, published after the
    /// last restart, always.</remarks>
    private async Task<string> EventsAsync(CancellationToken cancellationToken)
    {
        await UntilAsync(
            () => Task.FromResult(events.Seen(Bob, "liquidation.completed") && (events.Seen(Bob, "liquidation.planned") || events.Gaps > 0)),
            TimeSpan.FromSeconds(30),
            "the event stream to carry liquidation.planned (or a gap notice covering it) and liquidation.completed for bob",
            () => Task.FromResult(events.Describe()));
        foreach (var healthy in new[] { Alice, Carol })
        {
            if (events.SeenAny(healthy, "liquidation."))
            {
                throw new DemoStepFailedException($"the event stream carried a liquidation event for {healthy}, who is healthy: {events.Describe()}");
            }
        }

        return events.Describe();
    }

    /// <summary>The Prometheus exposition (unauthenticated, as Prometheus scrapes it): a credited-deposits series per deposit chain and a liquidation series per seizure chain.</summary>
    private async Task<string> MetricsAsync(CancellationToken cancellationToken)
    {
        var wanted = deposits.Select(d => ("clearing_deposits_credited", d.Chain))
            .Concat(liquidations.Select(l => ("clearing_liquidations_", l.Chain)))
            .Distinct()
            .ToList();
        List<string> shown = [];
        await UntilAsync(
            async () =>
            {
                var lines = (await member.GetUnsignedAsync("/metrics", cancellationToken)).Split('\n');
                shown = [.. wanted.Select(w => lines.FirstOrDefault(line => line.StartsWith(w.Item1, StringComparison.Ordinal) && line.Contains($"chain=\"{w.Chain}\"", StringComparison.Ordinal))).OfType<string>()];
                return shown.Count == wanted.Count;
            },
            TimeSpan.FromSeconds(30),
            $"/metrics to show {string.Join(", ", wanted.Select(w => $"{w.Item1}…{{chain=\"{w.Chain}\"}}"))}",
            () => Task.FromResult($"found only: {string.Join(" | ", shown)}"));
        foreach (var line in shown)
        {
            progress.WriteLine($"[demo]     {line}");
        }

        return $"{shown.Count} series";
    }

    /// <summary>
    /// The trace of bob's (first) seizure among the spans recorded in this process, printed as a tree. The executor's last
    /// step span ends after the confirmation the seizure step saw, so this waits for the trace to connect.
    /// </summary>
    private async Task<string> TraceAsync(DemoTraceRecorder traces)
    {
        var seizure = liquidations[0];
        LiquidationTrace? found = null;
        var why = "";
        await UntilAsync(
            () =>
            {
                try
                {
                    found = LiquidationTrace.Find(traces, seizure.Transaction);
                    return Task.FromResult(true);
                }
                catch (DemoStepFailedException e)
                {
                    why = e.Message;
                    return Task.FromResult(false);
                }
            },
            TimeSpan.FromSeconds(30),
            $"a connected trace of the seizure {seizure.Transaction}",
            () => Task.FromResult(why));
        var trace = found!;
        progress.WriteLine($"[demo]     trace {trace.TraceId}:");
        foreach (var line in trace.Tree())
        {
            progress.WriteLine($"[demo]       {line}");
        }

        liquidationTrace = trace.ToSummary();
        return $"{trace.Root.Name} -> {trace.Executor.Name} in one trace of {liquidationTrace.Spans.Count} spans ({trace.ExecutorHttpCalls} JSON-RPC HTTP calls by the executor)";
    }

    private async Task<string> HealthyUntouchedAsync(CancellationToken cancellationToken)
    {
        foreach (var account in new[] { Alice, Carol })
        {
            var health = await HealthAsync(account, cancellationToken);
            var listed = await LiquidationsAsync(account, cancellationToken);
            if (listed.Count > 0 || health.Liquidatable || health.Maintenance.StartsWith('-'))
            {
                throw new DemoStepFailedException($"{account} should be healthy and untouched: maintenance health {health.Maintenance}, liquidatable {health.Liquidatable}, {listed.Count} liquidation(s)");
            }

            progress.WriteLine($"[demo]     {account,-6} maintenance health {Usd(health.Maintenance)}, no liquidation");
        }

        var carol = await BalanceAsync(Carol, LocalChains.SolanaName, wallets.Deployment.Solana.Asset, cancellationToken);
        if (carol is not { } c || c.Available != CarolUsdc)
        {
            throw new DemoStepFailedException($"carol's Solana USDC should still be {CarolUsdc}: {carol}");
        }

        return "alice and carol untouched";
    }

    private async Task VerifySeizureOnChainAsync(string chain, BigInteger amount, string transaction, CancellationToken cancellationToken)
    {
        if (chain == LocalChains.SolanaName)
        {
            if (!await wallets.SolanaSucceededAsync(transaction, cancellationToken))
            {
                throw new DemoStepFailedException($"the Solana seizure {transaction} is not a successful transaction on {chain}");
            }

            return;
        }

        var deployed = wallets.Deployment.Evm(chain);
        var (seized, seen) = await wallets.EvmSeizureAsync(deployed, transaction, cancellationToken);
        if (seized is null || seized.Amount != amount || seized.Token != deployed.Token || seized.To != deployed.LiquidationReceiver)
        {
            throw new DemoStepFailedException($"{transaction} on {chain} should be the vault's seizure of {amount} {deployed.Asset} to {deployed.LiquidationReceiver}; the chain shows: {seen}");
        }
    }

    private async Task<BigInteger> ReceiverBalanceAsync(string chain, CancellationToken cancellationToken) =>
        chain == LocalChains.SolanaName
            ? await wallets.SolanaTokenBalanceAsync(wallets.Deployment.Solana.LiquidationReceiverTokenAccount, cancellationToken)
            : await wallets.EvmTokenBalanceAsync(wallets.Deployment.Evm(chain), wallets.Deployment.Evm(chain).LiquidationReceiver, cancellationToken);

    private readonly record struct Balance(BigInteger Available, BigInteger Reserved, BigInteger Pending);

    private readonly record struct Health(string Initial, string Maintenance, bool Liquidatable);

    private async Task<JsonDocument> AccountAsync(string account, CancellationToken cancellationToken)
    {
        var answer = await member.GetAsync($"/v1/accounts/{account}", cancellationToken);
        return answer.IsSuccess ? answer.Json() : throw new DemoStepFailedException($"GET /v1/accounts/{account}: {answer}");
    }

    private async Task<Balance?> BalanceAsync(string account, string chain, string asset, CancellationToken cancellationToken)
    {
        using var view = await AccountAsync(account, cancellationToken);
        foreach (var balance in view.RootElement.GetProperty("balances").EnumerateArray())
        {
            if (balance.GetProperty("chain").GetString() == chain && balance.GetProperty("asset").GetString() == asset)
            {
                return new Balance(Units(balance, "available"), Units(balance, "reserved"), Units(balance, "pending"));
            }
        }

        return null;
    }

    private async Task<Health> HealthAsync(string account, CancellationToken cancellationToken)
    {
        using var view = await AccountAsync(account, cancellationToken);
        var health = view.RootElement.GetProperty("health");
        return new Health(health.GetProperty("initial").GetString()!, health.GetProperty("maintenance").GetString()!, health.GetProperty("liquidatable").GetBoolean());
    }

    private async Task<string> TryMaintHealthAsync(string account, CancellationToken cancellationToken)
    {
        try
        {
            return (await HealthAsync(account, cancellationToken)).Maintenance;
        }
        catch (Exception e) when (e is DemoStepFailedException or TimeoutException or HttpRequestException or JsonException)
        {
            return "unknown: " + e.Message;
        }
    }

    private async Task<string> LastBalanceAsync(string account, CancellationToken cancellationToken) =>
        $"last account view: {await member.GetAsync($"/v1/accounts/{account}", cancellationToken)}";

    /// <summary>The account's liquidations (newest first), each as its JSON object; empty when there are none.</summary>
    private async Task<IReadOnlyList<JsonElement>> LiquidationsAsync(string account, CancellationToken cancellationToken)
    {
        var answer = await member.GetAsync($"/v1/accounts/{account}/liquidations", cancellationToken);
        if (!answer.IsSuccess)
        {
            throw new DemoStepFailedException($"GET /v1/accounts/{account}/liquidations: {answer}");
        }

        using var json = answer.Json();
        var list = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement : json.RootElement.GetProperty("liquidations");
        return [.. list.EnumerateArray().Select(l => l.Clone())];
    }

    private static IEnumerable<JsonElement> Steps(JsonElement liquidation) => liquidation.GetProperty("steps").EnumerateArray();

    /// <summary>Polls <paramref name="condition"/> until true or the deadline; the failure names what was awaited and what was seen last.</summary>
    private async Task UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what, Func<Task<string>> lastSeen)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (clock.Elapsed > deadline)
            {
                throw new DemoStepFailedException($"waited {deadline.TotalSeconds:0} s for {what}; {await lastSeen()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), stopping);
        }
    }

    private static string WithdrawalBody(string chain, string asset, BigInteger units, string destination) =>
        JsonSerializer.Serialize(new { chain, asset, units = units.ToString(CultureInfo.InvariantCulture), destination });

    private static BigInteger Units(JsonElement balance, string name) => BigInteger.Parse(balance.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    private byte Decimals(string chain) => chain == LocalChains.SolanaName ? wallets.Deployment.Solana.Decimals : wallets.Deployment.Evm(chain).Decimals;

    /// <summary>Base units as whole tokens for display (exact: integer division and remainder, no floating point).</summary>
    public static string Whole(BigInteger units, byte decimals)
    {
        // The sign apart: dividing -0.5 would leave a whole part of 0 and lose it.
        var scale = BigInteger.Pow(10, decimals);
        var magnitude = BigInteger.Abs(units);
        var fraction = (magnitude % scale).ToString(CultureInfo.InvariantCulture).PadLeft(decimals, '0').TrimEnd('0');
        var whole = (units.Sign < 0 ? "-" : "") + (magnitude / scale).ToString("N0", CultureInfo.InvariantCulture);
        return fraction.Length == 0 ? whole : $"{whole}.{fraction}";
    }

    /// <summary>A USD decimal string shortened to cents for display.</summary>
    private static string Usd(string? usd)
    {
        if (usd is null)
        {
            return "?";
        }

        var dot = usd.IndexOf('.', StringComparison.Ordinal);
        return (dot < 0 ? usd : usd[..Math.Min(usd.Length, dot + 3)]) + " USD";
    }
}
