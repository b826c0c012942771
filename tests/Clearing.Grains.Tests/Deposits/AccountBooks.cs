using System.Numerics;
using System.Text.Json;
using Clearing.Actors;
using Clearing.Actors.Storage;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Inbox;
using Clearing.Persistence.Ledger;

namespace Clearing.Grains.Tests.Deposits;

/// <summary>
/// One account's three views of its money per (chain, asset), read straight from the database without activating the
/// grain: the ledger (sum of journal entries), the grain's stored state document, and the deposit inbox's waiting rows.
/// </summary>
public sealed record AccountBooks(
    IReadOnlyDictionary<(string Chain, string Asset), BigInteger> Ledger,
    IReadOnlyDictionary<(string Chain, string Asset), BigInteger> State,
    IReadOnlyDictionary<(string Chain, string Asset), BigInteger> Inbox)
{
    public static async Task<AccountBooks> ReadAsync(ClearingDatabase database, string accountId)
    {
        var ledger = (await new LedgerStore(database).BalancesAsync(LedgerAccounts.Margin(accountId)))
            .Where(b => !b.Amount.IsZero)
            .ToDictionary(b => (b.Chain, b.Asset), b => b.Amount);
        var stored = await new SqlGrainStorage(database).ReadAsync(new GrainId("margin-account", accountId), "account", default);
        // The host's default state serialization (ActorHostOptions.JsonOptions).
        var state = stored == GrainStateRecord.Missing || stored.Json is null
            ? new MarginAccountState()
            : JsonSerializer.Deserialize<MarginAccountState>(stored.Json, new JsonSerializerOptions(JsonSerializerDefaults.General))!;
        var inbox = (await new AccountInboxStore(database).ForRecipientAsync(LedgerAccounts.Margin(accountId)))
            .GroupBy(c => (c.Chain, c.Asset))
            .ToDictionary(g => g.Key, g => g.Aggregate(BigInteger.Zero, (sum, c) => sum + c.Amount));
        return new AccountBooks(
            ledger,
            state.Balances.Where(b => b.Units != 0).ToDictionary(b => (b.Chain, b.Asset), b => (BigInteger)b.Units),
            inbox);
    }

    public BigInteger InboxUnits(string chain, string asset) => Inbox.GetValueOrDefault((chain, asset));

    /// <summary>The invariant of the deposit inbox: per (chain, asset), ledger balance = state balance + waiting credits.</summary>
    public void AssertLedgerIsStatePlusInbox(string because)
    {
        var keys = Ledger.Keys.Union(State.Keys).Union(Inbox.Keys).Order();
        foreach (var key in keys)
        {
            var ledger = Ledger.GetValueOrDefault(key);
            var state = State.GetValueOrDefault(key);
            var inbox = Inbox.GetValueOrDefault(key);
            Assert.True(ledger == state + inbox, $"{because}: {key} ledger {ledger} ≠ state {state} + inbox {inbox}");
        }
    }
}
