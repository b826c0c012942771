using System.Numerics;
using System.Text.Json;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Grains.Events;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Outbox;
using Clearing.TestKit;

namespace Clearing.Grains.Tests.Risk;

/// <summary>
/// The liquidation path over a real database: the risk book proposes, the account re-checks and plans, the router writes
/// one <c>seize</c> action per seizure on the chain that holds the collateral and follows it to the end. Written once,
/// run on SQLite and on PostgreSQL.
/// </summary>
public abstract class LiquidationTests : DatabaseTests
{
    private static SeizeAction Payload(OutboxAction action) =>
        JsonSerializer.Deserialize<SeizeAction>(action.PayloadJson) ?? throw new InvalidOperationException("empty payload");

    private static async Task<IReadOnlyList<OutboxAction>> SeizeActionsAsync(ClearingDatabase database, string chain) =>
        [.. (await new OutboxStore(database).OpenAsync(chain)).Where(a => a.Kind == SeizeAction.Kind)];

    private static Task<BigInteger> LedgerAsync(ClearingDatabase database, string account, string chain, string asset) =>
        new LedgerStore(database).BalanceAsync(account, chain, asset);

    [Fact]
    public async Task Price_drop_makes_an_account_liquidatable_and_exactly_one_liquidation_seizes_on_the_chain_holding_the_collateral()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database);
        await host.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000);
        await host.DepositAsync("alice", LiquidationRisk.WethA, LiquidationRisk.MilliWeth(10_000));

        var before = await host.Netting.ScanAsync();
        Assert.Empty(before.Liquidatable);
        host.SetPrice("WETH", 1100); // bob: maintenance 2 × 1,100 × 0.9 − 2,000 = −20 USD
        var scan = await host.Netting.ScanAsync();
        var again = await host.Netting.ScanAsync();

        Assert.Equal(["bob"], scan.Liquidatable);
        Assert.Equal(["bob"], scan.Proposed);
        Assert.Empty(again.Proposed); // not again while its seizure is in flight
        var liquidation = Assert.Single(await host.Router("bob").GetLiquidationsAsync());
        Assert.Equal("executing", liquidation.State);
        Assert.False(liquidation.Bankrupt);
        var step = Assert.Single(liquidation.Steps);
        Assert.Equal(("seize", LiquidationRisk.ChainB, "WETH", "executing"), (step.Kind, step.Chain, step.Asset, step.State));

        var action = Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainB));
        Assert.Empty(await SeizeActionsAsync(database, LiquidationRisk.ChainA));
        Assert.Equal(step.DecisionId, action.DecisionId);
        var payload = Payload(action);
        Assert.Equal(new SeizeAction("bob", liquidation.LiquidationId, LiquidationRisk.ChainB, "WETH", step.Amount), payload);
        var seized = Int128.Parse(step.Amount, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seized, LiquidationRisk.MilliWeth(900), LiquidationRisk.MilliWeth(1000)); // about 0.953 WETH restores the buffer

        var bob = await host.Account("bob").GetSnapshotAsync();
        Assert.False(bob.Health.IsLiquidatable);
        Assert.True(bob.Health.LiquidationEnd >= Fixed.One);
        Assert.Equal(LiquidationRisk.MilliWeth(2000) - seized, bob.Balances.Single(b => b.Asset == "WETH").Units);
        Assert.Equal(seized, Assert.Single(bob.Reservations).Units);
        Assert.Equal((BigInteger)seized, await LedgerAsync(database, LedgerAccounts.LiquidationsInFlight(LiquidationRisk.ChainB), LiquidationRisk.ChainB, "WETH"));
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, bob);

        // The healthy account was never proposed or planned.
        Assert.Empty(await host.Router("alice").GetLiquidationsAsync());
        Assert.Empty((await host.Account("alice").GetSnapshotAsync()).Reservations);
        Assert.Single(host.Events.Of("bob", AccountEventKinds.LiquidationPlanned));
        Assert.Empty(host.Events.Of("alice", AccountEventKinds.LiquidationPlanned));
    }

    [Fact]
    public async Task Healthy_account_is_refused_on_re_check_and_nothing_is_written()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database);
        await host.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000);

        // An operator's proposal (or a scanner's that went stale while queued) reaches a healthy account.
        var routed = await host.Router("bob").RouteAsync(new LiquidationProposal("operator:test", "stale proposal"));

        Assert.False(routed.Started);
        Assert.Contains("maintenance health", routed.Reason, StringComparison.Ordinal);
        Assert.Empty(await host.Router("bob").GetLiquidationsAsync());
        Assert.Empty(await SeizeActionsAsync(database, LiquidationRisk.ChainB));
        Assert.Empty((await host.Account("bob").GetSnapshotAsync()).Reservations);

        // Once it is liquidatable, the first liquidation takes the id the refusal did not consume.
        host.SetPrice("WETH", 1100);
        var later = await host.Router("bob").RouteAsync(new LiquidationProposal("operator:test", "price fell"));
        Assert.Equal("bob:1", later.LiquidationId);
    }

    [Theory]
    [InlineData("stale")]
    [InlineData("frozen")]
    public async Task A_price_that_is_not_live_proposes_nothing_and_the_account_refuses_to_plan_on_it(string status)
    {
        var database = await Databases.CreateAsync();
        var guarded = LiquidationRisk.Configuration with
        {
            PricePolicy = new PricePolicy(60, Fixed.MaxValue, Fixed.Zero, Fixed.Zero),
        };
        await using var host = await LiquidationTestHost.StartAsync(database, risk: guarded);
        var now = host.Clock.GetUtcNow().ToUnixTimeSeconds();
        host.Risk.Current = host.Risk.Current with
        {
            Prices = host.Risk.Current.Prices.SetItem("WETH", new PriceQuote(Fixed.FromInt(2000), Fixed.Zero, now)),
            MarketStates = host.Risk.Current.MarketStates.SetItem(LiquidationRisk.EthPerp, new PerpMarketState(new PriceQuote(Fixed.FromInt(2000), Fixed.Zero, now), Fixed.Zero, Fixed.Zero)),
        };
        await host.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000);

        // The new price was published 61 s ago (older than the policy's 60 s), or is fresh but frozen by the oracles.
        var publishedAt = status == "stale" ? now - 61 : now;
        host.Risk.Current = host.Risk.Current with
        {
            Prices = host.Risk.Current.Prices.SetItem("WETH", new PriceQuote(Fixed.FromInt(1100), Fixed.Zero, publishedAt)),
            FrozenPrices = status == "frozen" ? host.Risk.Current.FrozenPrices.Add("WETH") : host.Risk.Current.FrozenPrices,
        };

        var scan = await host.Netting.ScanAsync();
        var direct = await host.Router("bob").RouteAsync(new LiquidationProposal("operator:test", "try anyway"));

        Assert.Equal(["bob"], scan.Liquidatable);
        Assert.Empty(scan.Proposed);
        Assert.False(direct.Started);
        Assert.Contains($"the price of WETH is {status}", direct.Reason, StringComparison.Ordinal);
        Assert.Empty(await SeizeActionsAsync(database, LiquidationRisk.ChainB));
    }

    [Fact]
    public async Task Seizure_settled_paid_is_applied_once_and_completes_the_liquidation()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database);
        await host.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000);
        host.SetPrice("WETH", 1100);
        await host.Netting.ScanAsync();
        var action = Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainB));
        var seized = (BigInteger)Int128.Parse(Payload(action).Units, System.Globalization.CultureInfo.InvariantCulture);

        var first = await host.Router("bob").SettleSeizureAsync(new SettleSeizure(action.DecisionId, true, "0xseizetx", null));
        var replay = await host.Router("bob").SettleSeizureAsync(new SettleSeizure(action.DecisionId, true, "0xseizetx", null));

        Assert.True(first.Applied);
        Assert.False(first.Replayed);
        Assert.True(replay.Replayed);
        var liquidation = Assert.Single(await host.Router("bob").GetLiquidationsAsync());
        Assert.Equal("completed", liquidation.State);
        var step = Assert.Single(liquidation.Steps);
        Assert.Equal(("confirmed", "0xseizetx"), (step.State, step.Transaction));
        var bob = await host.Account("bob").GetSnapshotAsync();
        Assert.Empty(bob.Reservations);
        Assert.Equal(BigInteger.Zero, await LedgerAsync(database, LedgerAccounts.LiquidationsInFlight(LiquidationRisk.ChainB), LiquidationRisk.ChainB, "WETH"));
        Assert.Equal(-(BigInteger)LiquidationRisk.MilliWeth(2000) + seized, await LedgerAsync(database, LedgerAccounts.Vault(LiquidationRisk.ChainB), LiquidationRisk.ChainB, "WETH"));
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, bob);

        // The fund took the insurance half of the fee in once; the ledger's insurance account is its balance.
        var fund = await host.Fund.GetAsync();
        var insurance = Assert.Single(fund.Balances);
        Assert.True(insurance.Units > 0);
        Assert.Equal((BigInteger)insurance.Units, await LedgerAsync(database, LedgerAccounts.Insurance, LiquidationRisk.ChainA, "USDC"));
        Assert.Equal(BigInteger.Zero, await LedgerAsync(database, LedgerAccounts.InsuranceIncoming, LiquidationRisk.ChainA, "USDC"));
        Assert.Single(host.Events.Of("bob", AccountEventKinds.LiquidationSeizureSettled));
        Assert.Single(host.Events.Of("bob", AccountEventKinds.LiquidationCompleted));

        // Healthy again and nothing in flight: the next scan proposes nothing.
        Assert.Empty((await host.Netting.ScanAsync()).Proposed);
    }

    [Fact]
    public async Task Seizure_that_failed_is_returned_and_re_routed_to_collateral_on_the_other_chain()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database);
        await host.IndebtedAsync("bob", wethAMilli: 1000, wethBMilli: 1000, debtUsd: 2000);
        host.SetPrice("WETH", 1100);
        await host.Netting.ScanAsync();
        // Equal weights and values: the planner seizes from evm-a (key order) the 0.95 WETH it needs, nothing on evm-b.
        var onA = Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainA));
        Assert.Empty(await SeizeActionsAsync(database, LiquidationRisk.ChainB));

        var failed = await host.Router("bob").SettleSeizureAsync(new SettleSeizure(onA.DecisionId, false, null, "vault refused"));

        Assert.True(failed.Applied);
        var liquidation = Assert.Single(await host.Router("bob").GetLiquidationsAsync());
        Assert.Equal("executing", liquidation.State);
        Assert.Equal("failed", liquidation.Steps.Single(s => s.DecisionId == onA.DecisionId).State);
        var rerouted = liquidation.Steps.Where(s => s.DecisionId is not null && s.DecisionId.Contains("/r1:", StringComparison.Ordinal)).ToList();
        var reroute = Assert.Single(rerouted);
        Assert.Equal((LiquidationRisk.ChainB, "executing"), (reroute.Chain, reroute.State));
        Assert.Equal(reroute.DecisionId, Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainB)).DecisionId);
        Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainA)); // the failed one only: nothing new on evm-a

        // The failed units are back on evm-a; what was booked for them was undone.
        var bob = await host.Account("bob").GetSnapshotAsync();
        Assert.Equal(LiquidationRisk.MilliWeth(1000), bob.Balances.Single(b => b.Chain == LiquidationRisk.ChainA && b.Asset == "WETH").Units);
        Assert.Equal(BigInteger.Zero, await LedgerAsync(database, LedgerAccounts.LiquidationsInFlight(LiquidationRisk.ChainA), LiquidationRisk.ChainA, "WETH"));
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, bob);

        foreach (var open in liquidation.Steps.Where(s => s.State == "executing"))
        {
            await host.Router("bob").SettleSeizureAsync(new SettleSeizure(open.DecisionId!, true, $"0x{open.Chain}", null));
        }

        Assert.Equal("completed", Assert.Single(await host.Router("bob").GetLiquidationsAsync()).State);
        bob = await host.Account("bob").GetSnapshotAsync();
        Assert.False(bob.Health.IsLiquidatable);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, bob);
    }

    [Fact]
    public async Task Bankruptcy_loss_is_absorbed_by_the_insurance_fund_first_then_socialized_over_the_opposing_position()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database);
        // The fund first earns fees from an ordinary liquidation (bob).
        await host.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000);
        host.SetPrice("WETH", 1100);
        await host.Netting.ScanAsync();
        var bobSeizure = Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainB));
        await host.Router("bob").SettleSeizureAsync(new SettleSeizure(bobSeizure.DecisionId, true, "0xbob", null));
        var fundBefore = Assert.Single((await host.Fund.GetAsync()).Balances).Units;
        host.SetPrice("WETH", 2000);

        // Carol owes 2,000 USD against 2 WETH; Dave holds a profitable long (bought at 1,500, marked at 2,000).
        await host.IndebtedAsync("carol", wethAMilli: 2000, wethBMilli: 0, debtUsd: 2000);
        await host.DepositAsync("dave", LiquidationRisk.WethA, LiquidationRisk.MilliWeth(5000));
        Assert.True((await host.Account("dave").ApplyTradeAsync(new ApplyTrade("dave-long", LiquidationRisk.EthPerp, Fixed.FromInt(1), Fixed.FromInt(1500)))).Accepted);
        host.SetPrice("WETH", 900); // carol: 2 WETH seized at 900 × 0.975 = 1,755 USD < 2,000 USD owed

        // Proposed by an operator: at 900 bob's remainder would be liquidated too, which is not this test's subject.
        Assert.True((await host.Router("carol").RouteAsync(new LiquidationProposal("operator:test", "bankrupt"))).Started);
        var carolSeizure = Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainA));
        Assert.Equal("carol", Payload(carolSeizure).Account);
        Assert.Equal(LiquidationRisk.MilliWeth(2000).ToString(), Payload(carolSeizure).Units);
        await host.Router("carol").SettleSeizureAsync(new SettleSeizure(carolSeizure.DecisionId, true, "0xcarol", null));

        var liquidation = Assert.Single(await host.Router("carol").GetLiquidationsAsync());
        Assert.True(liquidation.Bankrupt);
        Assert.Equal("completed", liquidation.State);
        var loss = LiquidationRisk.Dollars(2000) - LiquidationRisk.Dollars(1755);
        var fund = await host.Fund.GetAsync();
        var carolInsuranceFee = Assert.Single(fund.Balances).Units; // the fund is emptied, then refilled by nothing: only carol's fee can remain
        Assert.Equal(Int128.Zero, carolInsuranceFee);
        var absorbed = fundBefore + (LiquidationRisk.Dollars(1800) - LiquidationRisk.Dollars(1755)) / 2;
        Assert.Equal(Fixed.FromScaled(absorbed, 6), fund.LossesAbsorbedUsd);
        Assert.Equal(Fixed.FromScaled(loss - absorbed, 6), fund.LossesSocializedUsd);
        var carol = await host.Account("carol").GetSnapshotAsync();
        Assert.Empty(carol.Balances);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, carol);
        Assert.Equal((BigInteger)Int128.Zero, await LedgerAsync(database, LedgerAccounts.Bankruptcy, LiquidationRisk.ChainA, "USDC"));
        Assert.Equal(-(BigInteger)(loss - absorbed), await LedgerAsync(database, LedgerAccounts.Socialized, LiquidationRisk.ChainA, "USDC"));
    }

    [Fact]
    public async Task Isolated_sub_account_is_liquidated_alone_and_the_cross_pool_is_untouched()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database);
        var erin = host.Account("erin");
        await host.DepositAsync("erin", LiquidationRisk.Sol, LiquidationRisk.WholeSol(30));
        await host.DepositAsync("erin", LiquidationRisk.WethA, LiquidationRisk.MilliWeth(1000));
        var moved = await erin.MoveIsolatedCollateralAsync(new MoveIsolatedCollateral("move-1", LiquidationRisk.SolPerp, LiquidationRisk.Solana, "SOL", LiquidationRisk.WholeSol(30), IntoIsolated: true));
        Assert.True(moved.Accepted, moved.Reason);
        // 30 SOL × 100 × 0.7 = 2,100 USD initial; a long of 100 SOL-PERP needs 20 % of 10,000 = 2,000 USD.
        var trade = await erin.ApplyTradeAsync(new ApplyTrade("sol-long", LiquidationRisk.SolPerp, Fixed.FromInt(100), Fixed.FromInt(100)));
        Assert.True(trade.Accepted, trade.Reason);
        var takeBack = await erin.MoveIsolatedCollateralAsync(new MoveIsolatedCollateral("move-2", LiquidationRisk.SolPerp, LiquidationRisk.Solana, "SOL", LiquidationRisk.WholeSol(2), IntoIsolated: false));
        Assert.False(takeBack.Accepted);
        Assert.StartsWith("initial health of SOL-PERP would be", takeBack.Reason, StringComparison.Ordinal);
        var before = await erin.GetSnapshotAsync();
        Assert.Empty(before.Positions); // the cross pool holds no SOL-PERP
        Assert.Equal(Fixed.FromInt(100), Assert.Single(Assert.Single(before.Isolated!).Positions).Size);

        // SOL and its mark fall 15 %: maintenance 30 × 85 × 0.8 − 1,500 (loss on the long) − 850 (10 % of 8,500) = −310 USD.
        host.Risk.Current = host.Risk.Current.WithPrice("SOL", 85) with
        {
            MarketStates = host.Risk.Current.MarketStates.SetItem(LiquidationRisk.SolPerp, PerpMarketState.AtPrice(Fixed.FromInt(85))),
        };
        var scan = await host.Netting.ScanAsync();

        Assert.Equal(["erin"], scan.Proposed);
        var liquidation = Assert.Single(await host.Router("erin").GetLiquidationsAsync());
        Assert.All(liquidation.Steps, s => Assert.Equal(LiquidationRisk.SolPerp, s.Pool));
        Assert.Contains(liquidation.Steps, s => s.Kind == "reduce" && s.Market == LiquidationRisk.SolPerp);
        var after = await erin.GetSnapshotAsync();
        Assert.Equal(before.Balances, after.Balances); // the cross pool's WETH is not touched
        Assert.False(Assert.Single(after.Isolated!).Health.IsLiquidatable);
        Assert.Empty(await SeizeActionsAsync(database, LiquidationRisk.ChainA));
        var ledger = new LedgerStore(database);
        Assert.Empty(await ledger.TrialBalanceAsync());
        var isolatedLedger = (await ledger.BalancesAsync(LedgerAccounts.Isolated("erin", LiquidationRisk.SolPerp))).Where(b => !b.Amount.IsZero)
            .Select(b => (b.Chain, b.Asset, b.Amount)).OrderBy(b => b.Chain, StringComparer.Ordinal);
        var isolatedGrain = Assert.Single(after.Isolated!).Balances.Select(b => (b.Chain, b.Asset, (BigInteger)b.Units)).OrderBy(b => b.Chain, StringComparer.Ordinal);
        Assert.Equal(isolatedGrain, isolatedLedger);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, after);
    }

    [Fact]
    public async Task Funding_of_an_isolated_position_settles_in_its_sub_account()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database);
        var erin = host.Account("erin");
        await host.DepositAsync("erin", LiquidationRisk.Sol, LiquidationRisk.WholeSol(40));
        await host.DepositAsync("erin", LiquidationRisk.Usdc, LiquidationRisk.Dollars(500));
        Assert.True((await erin.MoveIsolatedCollateralAsync(new MoveIsolatedCollateral("move", LiquidationRisk.SolPerp, LiquidationRisk.Solana, "SOL", LiquidationRisk.WholeSol(40), IntoIsolated: true))).Accepted);
        Assert.True((await erin.ApplyTradeAsync(new ApplyTrade("long", LiquidationRisk.SolPerp, Fixed.FromInt(100), Fixed.FromInt(100)))).Accepted);
        host.Risk.Current = host.Risk.Current with
        {
            MarketStates = host.Risk.Current.MarketStates.SetItem(LiquidationRisk.SolPerp, PerpMarketState.AtPrice(Fixed.FromInt(100)) with { CumulativeFundingIndex = Fixed.Parse("0.25") }),
        };

        var funding = await erin.SettleFundingAsync(LiquidationRisk.SolPerp);

        Assert.Equal(-LiquidationRisk.Dollars(25), funding.SettledUnits); // a long of 100 pays 100 × 0.25 USD
        var after = await erin.GetSnapshotAsync();
        Assert.Equal(LiquidationRisk.Dollars(500), after.Balances.Single(b => b.Asset == "USDC").Units); // the cross pool pays nothing
        Assert.Equal(-LiquidationRisk.Dollars(25), Assert.Single(after.Isolated!).Balances.Single(b => b.Asset == "USDC").Units);
        Assert.Equal(-(BigInteger)LiquidationRisk.Dollars(25), await LedgerAsync(database, LedgerAccounts.Isolated("erin", LiquidationRisk.SolPerp), LiquidationRisk.ChainA, "USDC"));
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, after);
    }

    [Fact]
    public async Task Risk_book_rebuilds_from_the_database_after_a_host_restart_and_resumes_an_unfinished_liquidation()
    {
        var database = await Databases.CreateAsync();
        await using (var first = await LiquidationTestHost.StartAsync(database, "host-1"))
        {
            await first.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000);
            await first.IndebtedAsync("carol", wethAMilli: 2000, wethBMilli: 0, debtUsd: 1000);
            await first.DepositAsync("alice", LiquidationRisk.WethA, LiquidationRisk.MilliWeth(1000));
            Assert.Equal(3, (await first.Netting.GetStatsAsync()).Accounts);
        }

        await using var second = await LiquidationTestHost.StartAsync(database, "host-2");
        second.SetPrice("WETH", 1100);
        var stats = await second.Netting.GetStatsAsync();
        var scan = await second.Netting.ScanAsync();

        Assert.Equal(3, stats.Accounts);
        Assert.Equal(1, stats.Liquidatable);
        Assert.Equal(1, stats.HealthBuckets["lt_0"]);
        Assert.Equal(["bob"], scan.Proposed);
        Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainB));

        // A third host finds bob's seizure in flight in the database and hands it to the router again, which resumes it.
        await second.DisposeAsync();
        await using var third = await LiquidationTestHost.StartAsync(database, "host-3", risk: LiquidationRisk.Configuration.WithPrice("WETH", 1100));
        var resumed = await third.Netting.ScanAsync();
        Assert.Equal(["bob"], resumed.Proposed);
        Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainB));
        Assert.Single(await third.Router("bob").GetLiquidationsAsync());
    }

    [Fact]
    public async Task Plan_applied_by_the_account_before_the_router_recorded_it_is_replayed_not_planned_twice()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database);
        await host.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000);
        host.SetPrice("WETH", 1100);
        // The router's first step landed (the account applied plan "bob:1"); the process died before the router's record.
        var command = new PlanLiquidation("bob:1", "bob:1", 0, [], []);
        var applied = await host.Account("bob").PlanLiquidationAsync(command);
        var again = await host.Account("bob").PlanLiquidationAsync(command);

        Assert.True(applied.Accepted);
        Assert.True(again.Replayed);
        Assert.Equal(applied.Pools.Single().Seizures, again.Pools.Single().Seizures);
        var scan = await host.Netting.ScanAsync(); // the account shows a seizure in flight: proposed, and the router gets the same plan back

        Assert.Equal(["bob"], scan.Proposed);
        var action = Assert.Single(await SeizeActionsAsync(database, LiquidationRisk.ChainB));
        Assert.Equal(applied.Pools.Single().Seizures.Single().DecisionId, action.DecisionId);
        Assert.Equal("bob:1", Assert.Single(await host.Router("bob").GetLiquidationsAsync()).LiquidationId);
        var bob = await host.Account("bob").GetSnapshotAsync();
        Assert.Single(bob.Reservations);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, bob);
    }

    [Fact]
    public async Task After_a_restart_the_scan_reminder_brings_the_risk_book_back_without_any_call()
    {
        var database = await Databases.CreateAsync();
        await using (var first = await LiquidationTestHost.StartAsync(database, "host-1"))
        {
            await first.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000); // activates the book: its reminder is stored
        }

        await using var second = await LiquidationTestHost.StartAsync(database, "host-2", risk: LiquidationRisk.Configuration.WithPrice("WETH", 1100));
        Assert.Empty(await SeizeActionsAsync(database, LiquidationRisk.ChainB));
        second.Clock.Advance(NettingGrain.KeepScanningPeriod); // the reminder's first tick: nothing else calls the book

        await Wait.UntilAsync(async () => (await SeizeActionsAsync(database, LiquidationRisk.ChainB)).Count == 1, TimeSpan.FromSeconds(30), "one seize action on evm-b");
        Assert.Single(await second.Router("bob").GetLiquidationsAsync());
    }

    [Fact]
    public async Task Scan_timer_on_the_fake_clock_proposes_and_a_margin_call_is_published_once()
    {
        var database = await Databases.CreateAsync();
        await using var host = await LiquidationTestHost.StartAsync(database, netting: new NettingOptions { ScanPeriod = TimeSpan.FromSeconds(1), MarginCallRatioPercent = Fixed.FromInt(10) });
        await host.IndebtedAsync("bob", wethAMilli: 0, wethBMilli: 2000, debtUsd: 2000);
        await host.IndebtedAsync("carol", wethAMilli: 2000, wethBMilli: 0, debtUsd: 1500);

        // carol: maintenance 2 × 900 × 0.9 − 1,500 = 120 USD on 1,500 of liabilities (8 %): a margin call, not a liquidation.
        host.SetPrice("WETH", 900);
        await host.Netting.GetStatsAsync(); // activates the book (and its timer)
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        await Wait.UntilAsync(async () => (await SeizeActionsAsync(database, LiquidationRisk.ChainB)).Count == 1, TimeSpan.FromSeconds(30), "one seize action on evm-b");
        await Wait.UntilAsync(() => Task.FromResult(host.Events.Of("carol", AccountEventKinds.MarginCall).Count > 0), TimeSpan.FromSeconds(30), "carol's margin call");
        host.Clock.Advance(TimeSpan.FromSeconds(1));
        await host.Netting.ScanAsync(); // queued behind the second tick: two more scans, still below the threshold

        var call = Assert.Single(host.Events.Of("carol", AccountEventKinds.MarginCall));
        Assert.Equal("cross", call.Data["pool"]);
        Assert.Empty(host.Events.Of("bob", AccountEventKinds.MarginCall));
        Assert.Empty(await host.Router("carol").GetLiquidationsAsync());
    }
}

public sealed class SqliteLiquidationTests : LiquidationTests
{
    protected override ITestDatabases Databases { get; } = new SqliteTestDatabases();
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresLiquidationTests(PostgresFixture postgres) : LiquidationTests
{
    protected override ITestDatabases Databases { get; } = new PostgresTestDatabases(postgres);
}
