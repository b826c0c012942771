using System.Numerics;
using Clearing.Actors.Storage;
using Clearing.Actors.Testing;
using Clearing.Chains;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Persistence;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Outbox;
using Clearing.TestKit;

namespace Clearing.Grains.Tests;

/// <summary>The margin account grain over a real database: written once, run on SQLite and on PostgreSQL.</summary>
public abstract class MarginAccountGrainTests : DatabaseTests
{
    private static CreditDeposit Deposit(string tx, Int128 units, string asset = "USDC", int index = 0) =>
        new(new DepositKey(TestRisk.Chain, tx, index), asset, units, 5, "0xblock5", "0xdepositor");

    [Fact]
    public async Task Deposit_sent_twice_is_credited_once()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var alice = host.Account("alice");

        var first = await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(250)));
        var second = await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(250)));

        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first with { Replayed = true }, second);
        var snapshot = await alice.GetSnapshotAsync();
        Assert.Equal([new BalanceView(TestRisk.Chain, "USDC", TestRisk.Dollars(250))], snapshot.Balances);
        Assert.Equal(Fixed.FromInt(250), snapshot.Health.Initial);
        await AssertLedgerMatchesAsync(database, snapshot);
    }

    [Fact]
    public async Task Deposit_is_credited_once_across_a_host_restart_over_the_same_database()
    {
        var database = await Databases.CreateAsync();
        await using (var before = await GrainTestHost.StartAsync(database, "host-1"))
        {
            await before.Account("alice").CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(100)));
        }

        await using var after = await GrainTestHost.StartAsync(database, "host-2");
        var again = await after.Account("alice").CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(100)));
        var other = await after.Account("alice").CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(7), index: 1));

        Assert.True(again.Replayed);
        Assert.False(other.Replayed);
        var snapshot = await after.Account("alice").GetSnapshotAsync();
        Assert.Equal(TestRisk.Dollars(107), Assert.Single(snapshot.Balances).Units);
        await AssertLedgerMatchesAsync(database, snapshot);
    }

    [Fact]
    public async Task A_deposit_key_is_credited_once_across_accounts()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);

        await host.Account("alice").CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(10)));
        var elsewhere = await host.Account("bob").CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(10)));

        Assert.True(elsewhere.Replayed);
        Assert.Equal(LedgerAccounts.Margin("alice"), elsewhere.CreditedTo);
        Assert.Empty((await host.Account("bob").GetSnapshotAsync()).Balances);
    }

    [Fact]
    public async Task Withdrawal_that_would_break_initial_health_is_refused_and_moves_nothing()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var alice = host.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(1_000)));
        // Long 1 ETH at the 2,000 USD mark: initial requirement 10 % = 200 USD, initial health 800 USD.
        Assert.True((await alice.ApplyTradeAsync(new ApplyTrade("t1", TestRisk.Market, Fixed.One, Fixed.FromInt(2000)))).Accepted);

        var refused = await alice.RequestWithdrawalAsync(new RequestWithdrawal("w1", TestRisk.Chain, "USDC", TestRisk.Dollars(900), "0xdest"));

        Assert.False(refused.Accepted);
        Assert.Contains("initial health would be -100 USD", refused.Reason, StringComparison.Ordinal);
        Assert.Null(refused.DecisionId);
        Assert.Empty(await new OutboxStore(database).OpenAsync(TestRisk.Chain));
        var snapshot = await alice.GetSnapshotAsync();
        Assert.Equal(TestRisk.Dollars(1_000), Assert.Single(snapshot.Balances).Units);
        Assert.Empty(snapshot.Reservations);
        await AssertLedgerMatchesAsync(database, snapshot);
    }

    [Fact]
    public async Task Withdrawal_within_initial_health_reserves_the_amount_and_plans_exactly_one_outbox_action()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var alice = host.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(1_000)));
        await alice.ApplyTradeAsync(new ApplyTrade("t1", TestRisk.Market, Fixed.One, Fixed.FromInt(2000)));

        var accepted = await alice.RequestWithdrawalAsync(new RequestWithdrawal("w1", TestRisk.Chain, "USDC", TestRisk.Dollars(800), "0xdest"));
        var retried = await alice.RequestWithdrawalAsync(new RequestWithdrawal("w1", TestRisk.Chain, "USDC", TestRisk.Dollars(800), "0xdest"));

        Assert.True(accepted.Accepted, accepted.Reason);
        Assert.Equal(Fixed.Zero, accepted.InitHealthAfter);
        Assert.Equal(accepted with { Replayed = true }, retried);
        var action = Assert.Single(await new OutboxStore(database).OpenAsync(TestRisk.Chain));
        Assert.Equal(accepted.DecisionId, action.DecisionId);
        Assert.Equal(MarginAccountGrain.WithdrawKind, action.Kind);
        Assert.Equal(OutboxState.Planned, action.State);
        Assert.Contains("\"Units\":\"800000000\"", action.PayloadJson, StringComparison.Ordinal);
        var snapshot = await alice.GetSnapshotAsync();
        Assert.Equal(TestRisk.Dollars(200), Assert.Single(snapshot.Balances).Units);
        Assert.Equal(new ReservationView(accepted.DecisionId!, TestRisk.Chain, "USDC", TestRisk.Dollars(800), "0xdest"), Assert.Single(snapshot.Reservations));
        Assert.Equal(TestRisk.Dollars(800), await new LedgerStore(database).BalanceAsync(LedgerAccounts.WithdrawalsInFlight(TestRisk.Chain), TestRisk.Chain, "USDC"));
        await AssertLedgerMatchesAsync(database, snapshot);
    }

    [Fact]
    public async Task Withdrawal_beyond_the_balance_is_refused_with_the_available_amount()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var alice = host.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(10)));

        var refused = await alice.RequestWithdrawalAsync(new RequestWithdrawal("w1", TestRisk.Chain, "USDC", TestRisk.Dollars(11), "0xdest"));

        Assert.False(refused.Accepted);
        Assert.Contains("10000000 base units, less than 11000000", refused.Reason, StringComparison.Ordinal);
        Assert.Empty(await new OutboxStore(database).OpenAsync(TestRisk.Chain));
    }

    [Theory]
    [InlineData(true, 600)]    // paid: the 400 USD leave the vault's custody
    [InlineData(false, 1_000)] // failed: the 400 USD go back to the available balance
    public async Task Settling_a_withdrawal_ends_its_reservation_through_the_journal(bool paid, long availableUsd)
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var alice = host.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(1_000)));
        var withdrawal = await alice.RequestWithdrawalAsync(new RequestWithdrawal("w1", TestRisk.Chain, "USDC", TestRisk.Dollars(400), "0xdest"));

        var settled = await alice.SettleWithdrawalAsync(new SettleWithdrawal(withdrawal.DecisionId!, paid));
        var again = await alice.SettleWithdrawalAsync(new SettleWithdrawal(withdrawal.DecisionId!, !paid));

        Assert.True(settled.Settled);
        Assert.Equal(settled with { Replayed = true }, again);
        var snapshot = await alice.GetSnapshotAsync();
        Assert.Empty(snapshot.Reservations);
        Assert.Equal(TestRisk.Dollars(availableUsd), Assert.Single(snapshot.Balances).Units);
        var ledger = new LedgerStore(database);
        Assert.Equal(BigInteger.Zero, await ledger.BalanceAsync(LedgerAccounts.WithdrawalsInFlight(TestRisk.Chain), TestRisk.Chain, "USDC"));
        Assert.Equal(-(BigInteger)TestRisk.Dollars(availableUsd), await ledger.BalanceAsync(LedgerAccounts.Vault(TestRisk.Chain), TestRisk.Chain, "USDC"));
        await AssertLedgerMatchesAsync(database, snapshot);
    }

    [Fact]
    public async Task Settling_an_unknown_decision_changes_nothing()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);

        var result = await host.Account("alice").SettleWithdrawalAsync(new SettleWithdrawal("withdraw:alice:nope", Paid: true));

        Assert.False(result.Settled);
        Assert.Contains("holds no reservation", result.Reason, StringComparison.Ordinal);
        Assert.Empty(await new LedgerStore(database).TrialBalanceAsync());
    }

    [Theory]
    [InlineData("ETH-PERP", "1", "2000", "initial health would be -100 USD")] // requirement 200 USD on 100 USD of collateral
    [InlineData("BTC-PERP", "1", "2000", "unknown market BTC-PERP")]
    [InlineData("ETH-PERP", "0", "2000", "order size must be non-zero")]
    public async Task Trade_failing_the_pre_trade_check_is_rejected_with_its_reason(string market, string size, string price, string reason)
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var alice = host.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(100)));

        var rejected = await alice.ApplyTradeAsync(new ApplyTrade("t1", market, Fixed.Parse(size), Fixed.Parse(price)));
        var retried = await alice.ApplyTradeAsync(new ApplyTrade("t1", market, Fixed.Parse(size), Fixed.Parse(price)));

        Assert.False(rejected.Accepted);
        Assert.Contains(reason, rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(rejected with { Replayed = true }, retried);
        var snapshot = await alice.GetSnapshotAsync();
        Assert.Empty(snapshot.Positions);
        Assert.Equal(TestRisk.Dollars(100), Assert.Single(snapshot.Balances).Units);
    }

    [Fact]
    public async Task Closing_a_trade_settles_its_pnl_through_the_journal()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var alice = host.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(1_000)));

        await alice.ApplyTradeAsync(new ApplyTrade("open", TestRisk.Market, Fixed.One, Fixed.FromInt(2000)));
        var close = await alice.ApplyTradeAsync(new ApplyTrade("close", TestRisk.Market, -Fixed.One, Fixed.FromInt(2050)));

        Assert.True(close.Accepted, close.Reason);
        var snapshot = await alice.GetSnapshotAsync();
        Assert.Empty(snapshot.Positions);
        Assert.Equal(TestRisk.Dollars(1_050), Assert.Single(snapshot.Balances).Units);
        Assert.Equal(-(BigInteger)TestRisk.Dollars(50), await new LedgerStore(database).BalanceAsync(LedgerAccounts.Market(TestRisk.Market), TestRisk.Chain, "USDC"));
        await AssertLedgerMatchesAsync(database, snapshot);
    }

    [Fact]
    public async Task Funding_accrued_since_the_last_settlement_moves_through_the_journal_once()
    {
        var database = await Databases.CreateAsync();
        var risk = new MutableRiskConfiguration(TestRisk.Configuration);
        await using var host = await GrainTestHost.StartAsync(database, risk: risk);
        var alice = host.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(1_000)));
        await alice.ApplyTradeAsync(new ApplyTrade("open", TestRisk.Market, Fixed.Parse("2"), Fixed.FromInt(2000)));
        // The cumulative funding index rises by 1.5 USD per ETH: a long of 2 ETH pays 3 USD.
        risk.Current = TestRisk.Configuration with
        {
            MarketStates = TestRisk.Configuration.MarketStates.SetItem(TestRisk.Market, new(Domain.Markets.PriceQuote.Exact(Fixed.FromInt(2000)), Fixed.Parse("1.5"), Fixed.Zero)),
        };

        var first = await alice.SettleFundingAsync(TestRisk.Market);
        var second = await alice.SettleFundingAsync(TestRisk.Market);

        Assert.Equal(-TestRisk.Dollars(3), first.SettledUnits);
        Assert.Equal(Int128.Zero, second.SettledUnits);
        var snapshot = await alice.GetSnapshotAsync();
        Assert.Equal(TestRisk.Dollars(997), Assert.Single(snapshot.Balances).Units);
        Assert.Equal(Fixed.Parse("1.5"), Assert.Single(snapshot.Positions).LastFundingIndex);
        Assert.Equal((BigInteger)TestRisk.Dollars(3), await new LedgerStore(database).BalanceAsync(LedgerAccounts.Market(TestRisk.Market), TestRisk.Chain, "USDC"));
        await AssertLedgerMatchesAsync(database, snapshot);
    }

    [Fact]
    public async Task Snapshot_values_weth_at_its_initial_and_maintenance_weights()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var alice = host.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xbb", (Int128)BigInteger.Pow(10, 18), asset: "WETH"));

        var health = (await alice.GetSnapshotAsync()).Health;

        Assert.Equal(Fixed.FromInt(1600), health.Initial);     // 2,000 USD × 0.8
        Assert.Equal(Fixed.FromInt(1800), health.Maintenance); // 2,000 USD × 0.9
        Assert.Equal(Fixed.FromInt(1600), health.FreeCollateral);
        Assert.Equal(Fixed.FromInt(2000), health.CollateralValue);
        Assert.False(health.IsLiquidatable);
    }

    [Fact]
    public async Task A_deposed_host_can_neither_credit_nor_plan_a_withdrawal()
    {
        var database = await Databases.CreateAsync();
        var crashedClock = new FakeClock();
        var crashed = await GrainTestHost.StartAsync(database, "host-1", crashedClock);
        var alice = crashed.Account("alice");
        await alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(1)));

        // host-1 stops renewing (its clock stands still); host-2's clock is past the lease's expiry: it takes over.
        var takeoverClock = new FakeClock(crashedClock.GetUtcNow() + TimeSpan.FromMinutes(5));
        await using var standby = await GrainTestHost.StartAsync(database, "host-2", takeoverClock);
        Assert.True(standby.Host.IsActive);

        await Assert.ThrowsAsync<FencedWriteException>(() => alice.CreditDepositAsync(Deposit("0xaa", TestRisk.Dollars(1), index: 1)));
        // Fenced once, the deposed host steps down: later calls are refused before they reach a grain.
        Assert.False(crashed.Host.IsActive);
        await Assert.ThrowsAsync<Actors.Hosting.HostNotActiveException>(() => crashed.Account("bob").RequestWithdrawalAsync(new RequestWithdrawal("w1", TestRisk.Chain, "USDC", 1, "0xdest")));

        var snapshot = await standby.Account("alice").GetSnapshotAsync();
        Assert.Equal(TestRisk.Dollars(1), Assert.Single(snapshot.Balances).Units);
        Assert.Empty(await new OutboxStore(database).OpenAsync(TestRisk.Chain));
        await AssertLedgerMatchesAsync(database, snapshot);
    }

    /// <summary>The journal balances, and the account's ledger balances are exactly the grain's balances.</summary>
    internal static async Task AssertLedgerMatchesAsync(ClearingDatabase database, AccountSnapshot snapshot)
    {
        var ledger = new LedgerStore(database);
        Assert.Empty(await ledger.TrialBalanceAsync());
        var journal = (await ledger.BalancesAsync(LedgerAccounts.Margin(snapshot.AccountId)))
            .Where(b => !b.Amount.IsZero)
            .Select(b => (b.Chain, b.Asset, b.Amount))
            .OrderBy(b => b.Chain, StringComparer.Ordinal).ThenBy(b => b.Asset, StringComparer.Ordinal);
        var grain = snapshot.Balances.Select(b => (b.Chain, b.Asset, (BigInteger)b.Units));
        Assert.Equal(grain, journal);
    }
}

public sealed class SqliteMarginAccountGrainTests : MarginAccountGrainTests
{
    protected override ITestDatabases Databases { get; } = new SqliteTestDatabases();
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresMarginAccountGrainTests(PostgresFixture postgres) : MarginAccountGrainTests
{
    protected override ITestDatabases Databases { get; } = new PostgresTestDatabases(postgres);
}
