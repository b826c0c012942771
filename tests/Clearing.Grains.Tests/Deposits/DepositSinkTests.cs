using System.Numerics;
using Clearing.Actors.Testing;
using Clearing.Chains;
using Clearing.Grains.Deposits;
using Clearing.Grains.Durable;
using Clearing.Persistence.Ledger;
using Clearing.TestKit;
using static Clearing.Grains.Tests.Deposits.DepositTestData;

namespace Clearing.Grains.Tests.Deposits;

/// <summary>The durable <see cref="IDepositSink"/>: credits and cursor, suspense, pending, replays after crashes (see also <see cref="DepositInboxTests"/>).</summary>
public abstract class DepositSinkTests : DatabaseTests
{
    private const string Chain = TestRisk.Chain;

    [Fact]
    public async Task Cursor_moves_with_the_credits_of_its_batch()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var sink = host.Sink;
        Assert.Null(await sink.ReadCursorAsync(Chain, default));

        await sink.CommitFinalizedAsync(Chain, new ChainCursor(10, "0xblock10"),
            [Observed("0x01", "alice", Usd(5), height: 3), Observed("0x02", "bob", Usd(7), height: 9), Observed("0x02", "alice", Usd(1), height: 9, index: 4)], default);

        Assert.Equal(new ChainCursor(10, "0xblock10"), await sink.ReadCursorAsync(Chain, default));
        var alice = await host.Account("alice").GetSnapshotAsync();
        var bob = await host.Account("bob").GetSnapshotAsync();
        Assert.Equal(TestRisk.Dollars(6), Assert.Single(alice.Balances).Units);
        Assert.Equal(TestRisk.Dollars(7), Assert.Single(bob.Balances).Units);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, alice);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, bob);
        Assert.Equal(-Usd(13), await new LedgerStore(database).BalanceAsync(LedgerAccounts.Vault(Chain), Chain, "USDC"));
    }

    [Theory]
    [InlineData(null, "USDC", "the account field is not a valid account id")]
    [InlineData("not a valid id!", "USDC", "'not a valid id!' is not a valid account id")]
    [InlineData("alice", "DOGE", "DOGE on evm-1 is not collateral")]
    public async Task Deposit_that_cannot_be_credited_to_an_account_is_held_in_suspense(string? account, string asset, string reason)
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var deposit = Observed("0x01", account, 12_345, asset: asset, suspenseReason: account is null ? "the account field is not a valid account id" : null);

        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(5, "0xblock5"), [deposit], default);

        var held = Assert.Single(await host.Suspense().GetHeldAsync());
        Assert.Equal(deposit.Key, held.Key);
        Assert.Equal(new BigInteger(12_345), held.Amount);
        Assert.Equal(reason, held.Reason);
        Assert.Equal(account, held.ClaimedAccount);
        var ledger = new LedgerStore(database);
        Assert.Equal(new BigInteger(12_345), await ledger.BalanceAsync(LedgerAccounts.Suspense(Chain), Chain, asset));
        Assert.Empty(await ledger.TrialBalanceAsync());
        Assert.Equal(5UL, (await host.Sink.ReadCursorAsync(Chain, default))!.Value.Height);
    }

    [Fact]
    public async Task Replaying_a_committed_batch_credits_nothing_twice()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        ObservedDeposit[] batch = [Observed("0x01", "alice", Usd(5)), Observed("0x02", null, 99, suspenseReason: "no account")];
        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(5, "0xblock5"), batch, default);

        var replay = await host.Grains.GetGrain<IChainDepositsGrain>(Chain).CommitFinalizedAsync(new FinalizedBatch(new ChainCursor(5, "0xblock5"), batch));

        Assert.Equal(new FinalizedBatchResult(0, 0, 2, 0, new ChainCursor(5, "0xblock5")), replay);
        Assert.Equal(TestRisk.Dollars(5), Assert.Single((await host.Account("alice").GetSnapshotAsync()).Balances).Units);
        Assert.Single(await host.Suspense().GetHeldAsync());
    }

    [Fact]
    public async Task Batch_that_cannot_be_committed_credits_nothing_and_its_reread_credits_each_deposit_once()
    {
        var database = await Databases.CreateAsync();
        var crashedClock = new FakeClock();
        var crashed = await GrainTestHost.StartAsync(database, "host-1", crashedClock);
        // A value no ledger column holds (> 10^78): the batch's one transaction cannot be written, so none of it is.
        var unstorable = Observed("0x02", null, BigInteger.Pow(10, 80), suspenseReason: "no account");
        ObservedDeposit[] broken = [Observed("0x01", "alice", Usd(5)), unstorable, Observed("0x03", "bob", Usd(3))];

        await Assert.ThrowsAnyAsync<ArgumentException>(() => crashed.Sink.CommitFinalizedAsync(Chain, new ChainCursor(8, "0xblock8"), broken, default));

        Assert.Null(await crashed.Sink.ReadCursorAsync(Chain, default));
        Assert.Empty((await crashed.Account("alice").GetSnapshotAsync()).Balances);
        Assert.Empty((await crashed.Account("bob").GetSnapshotAsync()).Balances);

        // The host dies (never stopped, its clock stands still); another takes the lapsed lease and the watcher reads
        // the same range again, this time with a sane amount for the second deposit.
        await using var successor = await GrainTestHost.StartAsync(database, "host-2", new FakeClock(crashedClock.GetUtcNow() + TimeSpan.FromMinutes(5)));
        ObservedDeposit[] reread = [broken[0], unstorable with { Amount = 42 }, broken[2]];
        var result = await successor.Grains.GetGrain<IChainDepositsGrain>(Chain).CommitFinalizedAsync(new FinalizedBatch(new ChainCursor(8, "0xblock8"), reread));

        Assert.Equal(new FinalizedBatchResult(Credited: 2, HeldInSuspense: 1, AlreadyCredited: 0, ZeroAmount: 0, new ChainCursor(8, "0xblock8")), result);
        Assert.Equal(new ChainCursor(8, "0xblock8"), await successor.Sink.ReadCursorAsync(Chain, default));
        var alice = await successor.Account("alice").GetSnapshotAsync();
        var bob = await successor.Account("bob").GetSnapshotAsync();
        Assert.Equal(TestRisk.Dollars(5), Assert.Single(alice.Balances).Units);
        Assert.Equal(TestRisk.Dollars(3), Assert.Single(bob.Balances).Units);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, alice);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, bob);
    }

    [Fact]
    public async Task Next_batch_starts_from_the_cursor_and_a_batch_behind_it_is_a_finality_violation()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(5, "0xblock5"), [Observed("0x01", "alice", Usd(1))], default);
        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(9, "0xblock9"), [Observed("0x02", "alice", Usd(2), height: 7)], default);

        await Assert.ThrowsAsync<FinalityViolationException>(() => host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(8, "0xblock8"), [], default));
        await Assert.ThrowsAsync<FinalityViolationException>(() => host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(9, "0xother"), [], default));

        Assert.Equal(new ChainCursor(9, "0xblock9"), await host.Sink.ReadCursorAsync(Chain, default));
        Assert.Equal(TestRisk.Dollars(3), Assert.Single((await host.Account("alice").GetSnapshotAsync()).Balances).Units);
    }

    [Fact]
    public async Task A_deposed_host_can_neither_credit_nor_move_the_cursor()
    {
        var database = await Databases.CreateAsync();
        var deposedClock = new FakeClock();
        var deposed = await GrainTestHost.StartAsync(database, "host-1", deposedClock);
        await deposed.Sink.CommitFinalizedAsync(Chain, new ChainCursor(5, "0xblock5"), [Observed("0x01", "alice", Usd(1))], default);
        await using var successor = await GrainTestHost.StartAsync(database, "host-2", new FakeClock(deposedClock.GetUtcNow() + TimeSpan.FromMinutes(5)));

        // The cursor's own write is fenced; after that the deposed host steps down and refuses calls outright.
        await Assert.ThrowsAsync<Actors.Storage.FencedWriteException>(() => deposed.Sink.CommitFinalizedAsync(Chain, new ChainCursor(9, "0xblock9"), [], default));
        await Assert.ThrowsAsync<Actors.Hosting.HostNotActiveException>(() => deposed.Sink.CommitFinalizedAsync(Chain, new ChainCursor(9, "0xblock9"), [Observed("0x02", "alice", Usd(2), height: 7)], default));

        Assert.Equal(new ChainCursor(5, "0xblock5"), await successor.Sink.ReadCursorAsync(Chain, default));
        Assert.Equal(TestRisk.Dollars(1), Assert.Single((await successor.Account("alice").GetSnapshotAsync()).Balances).Units);
    }

    [Fact]
    public async Task Pending_deposits_are_shown_worth_zero_and_leave_when_final_or_reorged()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var staying = Observed("0x01", "alice", Usd(5), height: 12);
        var reorged = Observed("0x02", "alice", Usd(9), height: 13);
        var stray = Observed("0x03", null, 77, height: 13, suspenseReason: "no account");

        await host.Sink.ReplacePendingAsync(Chain, [staying, reorged, stray], default);

        var shown = await host.Account("alice").GetSnapshotAsync();
        Assert.Equal([staying.Key, reorged.Key], shown.Pending.Select(p => p.Key));
        Assert.Empty(shown.Balances);
        Assert.Equal(Domain.Numerics.Fixed.Zero, shown.Health.Initial);
        Assert.Equal([stray.Key], (await host.Grains.GetGrain<IChainDepositsGrain>(Chain).GetUnattributedPendingAsync()).Select(p => p.Key));

        // Block 12 becomes final; block 13 is reorged away.
        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(12, "0xblock12"), [staying], default);
        await host.Sink.ReplacePendingAsync(Chain, [], default);

        var after = await host.Account("alice").GetSnapshotAsync();
        Assert.Empty(after.Pending);
        Assert.Equal(TestRisk.Dollars(5), Assert.Single(after.Balances).Units);
        Assert.Empty(await host.Grains.GetGrain<IChainDepositsGrain>(Chain).GetUnattributedPendingAsync());
    }

    [Fact]
    public async Task Zero_amount_deposit_credits_nothing_and_the_cursor_still_moves()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);

        var result = await host.Grains.GetGrain<IChainDepositsGrain>(Chain).CommitFinalizedAsync(new FinalizedBatch(new ChainCursor(5, "0xblock5"), [Observed("0x01", "alice", 0)]));

        Assert.Equal(1, result.ZeroAmount);
        Assert.Empty((await host.Account("alice").GetSnapshotAsync()).Balances);
        Assert.Equal(5UL, (await host.Sink.ReadCursorAsync(Chain, default))!.Value.Height);
    }
}

public sealed class SqliteDepositSinkTests : DepositSinkTests
{
    protected override ITestDatabases Databases { get; } = new SqliteTestDatabases();
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresDepositSinkTests(PostgresFixture postgres) : DepositSinkTests
{
    protected override ITestDatabases Databases { get; } = new PostgresTestDatabases(postgres);
}
