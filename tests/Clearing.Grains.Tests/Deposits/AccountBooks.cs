using System.Data;
using System.Numerics;
using System.Text.Json;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Persistence;
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
    private static readonly string MarginPrefix = LedgerAccounts.Margin("");

    public static async Task<AccountBooks> ReadAsync(ClearingDatabase database, string accountId) =>
        (await ReadAllAsync(database)).GetValueOrDefault(accountId) ?? new AccountBooks(Empty(), Empty(), Empty());

    /// <summary>
    /// Every margin account's books, read in ONE repeatable-read transaction: a consistent snapshot even while a host
    /// (or a killed host's last COMMIT) is still writing.
    /// </summary>
    public static Task<IReadOnlyDictionary<string, AccountBooks>> ReadAllAsync(ClearingDatabase database) => database.ReadAsync<IReadOnlyDictionary<string, AccountBooks>>(async connection =>
    {
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        var ledger = await SumAsync(connection, snapshot, $"SELECT account, chain, asset, {database.Dialect.AmountText("amount")} FROM ledger_entry WHERE account LIKE 'account:%'");
        var inbox = await SumAsync(connection, snapshot, $"SELECT recipient, chain, asset, {database.Dialect.AmountText("amount")} FROM account_inbox WHERE recipient LIKE 'account:%'");
        var state = new Dictionary<string, Dictionary<(string, string), BigInteger>>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = snapshot;
            command.CommandText = "SELECT grain_key, state_json FROM grain_state WHERE grain_type = 'margin-account' AND state_name = 'account' AND state_json IS NOT NULL";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                // The host's default state serialization (ActorHostOptions.JsonOptions).
                var document = JsonSerializer.Deserialize<MarginAccountState>(reader.GetString(1), new JsonSerializerOptions(JsonSerializerDefaults.General))!;
                state[MarginPrefix + reader.GetString(0)] = document.Balances.Where(b => b.Units != 0).ToDictionary(b => (b.Chain, b.Asset), b => (BigInteger)b.Units);
            }
        }

        await snapshot.CommitAsync();
        return ledger.Keys.Union(inbox.Keys).Union(state.Keys).ToDictionary(
            account => account[MarginPrefix.Length..],
            account => new AccountBooks(ledger.GetValueOrDefault(account) ?? Empty(), state.GetValueOrDefault(account) ?? Empty(), inbox.GetValueOrDefault(account) ?? Empty()));
    });

    public BigInteger InboxUnits(string chain, string asset) => Inbox.GetValueOrDefault((chain, asset));

    /// <summary>The invariant of the deposit inbox: per (chain, asset), ledger balance = state balance + waiting credits.</summary>
    public void AssertLedgerIsStatePlusInbox(string because)
    {
        foreach (var key in Ledger.Keys.Union(State.Keys).Union(Inbox.Keys).Order())
        {
            var ledger = Ledger.GetValueOrDefault(key);
            var state = State.GetValueOrDefault(key);
            var inbox = Inbox.GetValueOrDefault(key);
            Assert.True(ledger == state + inbox, $"{because}: {key} ledger {ledger} ≠ state {state} + inbox {inbox}");
        }
    }

    private static Dictionary<(string, string), BigInteger> Empty() => [];

    /// <summary>Amount rows summed per (owner, chain, asset) in code: exact on SQLite too, whose SUM is not.</summary>
    private static async Task<Dictionary<string, Dictionary<(string, string), BigInteger>>> SumAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string sql)
    {
        var sums = new Dictionary<string, Dictionary<(string, string), BigInteger>>();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (!sums.TryGetValue(reader.GetString(0), out var perAsset))
            {
                sums[reader.GetString(0)] = perAsset = [];
            }

            var key = (reader.GetString(1), reader.GetString(2));
            perAsset[key] = perAsset.GetValueOrDefault(key) + LedgerAmount.Parse(reader.GetString(3));
        }

        // Zero sums (e.g. deposited and withdrawn) are no balance, as in the state document.
        foreach (var perAsset in sums.Values)
        {
            foreach (var zero in perAsset.Where(p => p.Value.IsZero).Select(p => p.Key).ToList())
            {
                perAsset.Remove(zero);
            }
        }

        return sums;
    }
}
