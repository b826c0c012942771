using System.Data.Common;
using System.Numerics;

namespace Clearing.Persistence.Ledger;

/// <summary>A balance: the sum of an account's journal entries for one (chain, asset), in base units.</summary>
public sealed record AccountBalance(string Account, string Chain, string Asset, BigInteger Amount);

/// <summary>A stored journal line with its database-assigned id.</summary>
public sealed record StoredJournalEntry(long EntryId, string TransactionId, JournalEntry Entry, DateTimeOffset CreatedAt);

/// <summary>
/// The append-only double-entry journal. It is written only through <see cref="UnitOfWork.DurableUnitOfWork"/>, fenced
/// and together with the state change it belongs to; balances are never stored, always summed from the entries.
/// </summary>
public sealed class LedgerStore(ClearingDatabase database)
{
    /// <summary>Writes a validated transaction inside the caller's database transaction.</summary>
    internal static async Task AppendAsync(SqlDialect dialect, DbConnection connection, DbTransaction dbTransaction, JournalTransaction transaction, CancellationToken cancellationToken)
    {
        var createdAt = transaction.CreatedAt.ToUnixMs();
        await Sql.Command(connection, dbTransaction, "INSERT INTO ledger_transaction (transaction_id, created_at_ms) VALUES (@id, @at)")
            .With("@id", transaction.TransactionId)
            .With("@at", createdAt)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);

        // All lines in one multi-row INSERT: one round trip per transaction, however many lines.
        var rows = string.Join(",\n", transaction.Entries.Select((_, i) =>
            $"(@id, @account{i}, @chain{i}, @asset{i}, {dialect.AmountValue($"@amount{i}")}, @kind{i}, @at)"));
        var insert = Sql.Command(connection, dbTransaction,
                $"INSERT INTO ledger_entry (transaction_id, account, chain, asset, amount, kind, created_at_ms) VALUES\n{rows}")
            .With("@id", transaction.TransactionId)
            .With("@at", createdAt);
        for (var i = 0; i < transaction.Entries.Count; i++)
        {
            var entry = transaction.Entries[i];
            insert.With($"@account{i}", entry.Account)
                .With($"@chain{i}", entry.Chain)
                .With($"@asset{i}", entry.Asset)
                .With($"@amount{i}", LedgerAmount.ToText(entry.Amount))
                .With($"@kind{i}", entry.Kind);
        }

        await insert.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<BigInteger> BalanceAsync(string account, string chain, string asset, CancellationToken cancellationToken = default)
    {
        var balances = await SumAsync("WHERE account = @account AND chain = @chain AND asset = @asset", [("@account", account), ("@chain", chain), ("@asset", asset)], cancellationToken).ConfigureAwait(false);
        return balances.SingleOrDefault()?.Amount ?? BigInteger.Zero;
    }

    /// <summary>Every (chain, asset) balance of one account, zero balances included (the account once held it).</summary>
    public Task<IReadOnlyList<AccountBalance>> BalancesAsync(string account, CancellationToken cancellationToken = default) =>
        SumAsync("WHERE account = @account", [("@account", account)], cancellationToken);

    /// <summary>Every account's balances.</summary>
    public Task<IReadOnlyList<AccountBalance>> AllBalancesAsync(CancellationToken cancellationToken = default) =>
        SumAsync("", [], cancellationToken);

    /// <summary>
    /// The trial balance: every (transaction, chain, asset) whose entries do not sum to zero. Empty when the
    /// journal balances (then the balances of all accounts of one (chain, asset) also sum to zero).
    /// </summary>
    public Task<IReadOnlyList<Imbalance>> TrialBalanceAsync(CancellationToken cancellationToken = default) =>
        database.ReadAsync(async connection =>
        {
            var dialect = database.Dialect;
            var text = dialect.SumsAmountsExactly
                ? $"SELECT transaction_id, chain, asset, {dialect.AmountText("SUM(amount)")} FROM ledger_entry GROUP BY transaction_id, chain, asset HAVING SUM(amount) <> 0"
                : $"SELECT transaction_id, chain, asset, {dialect.AmountText("amount")} FROM ledger_entry";
            var sums = new Dictionary<(string Transaction, string Chain, string Asset), BigInteger>();
            await using var command = Sql.Command(connection, null, text);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                sums[key] = sums.GetValueOrDefault(key) + LedgerAmount.Parse(reader.GetString(3));
            }

            return (IReadOnlyList<Imbalance>)sums
                .Where(s => !s.Value.IsZero)
                .Select(s => new Imbalance(s.Key.Transaction, s.Key.Chain, s.Key.Asset, s.Value))
                .OrderBy(i => i.TransactionId, StringComparer.Ordinal)
                .ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<StoredJournalEntry>> EntriesAsync(string transactionId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(async connection =>
        {
            var text = $"""
                SELECT entry_id, transaction_id, account, chain, asset, {database.Dialect.AmountText("amount")}, kind, created_at_ms
                FROM ledger_entry WHERE transaction_id = @id ORDER BY entry_id
                """;
            var entries = new List<StoredJournalEntry>();
            await using var command = Sql.Command(connection, null, text).With("@id", transactionId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new StoredJournalEntry(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    new JournalEntry(reader.GetString(2), reader.GetString(3), reader.GetString(4), LedgerAmount.Parse(reader.GetString(5)), reader.GetString(6)),
                    Sql.FromUnixMs(reader.GetInt64(7))));
            }

            return (IReadOnlyList<StoredJournalEntry>)entries;
        }, cancellationToken);

    private Task<IReadOnlyList<AccountBalance>> SumAsync(string filter, IReadOnlyList<(string Name, string Value)> parameters, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var dialect = database.Dialect;
            var text = dialect.SumsAmountsExactly
                ? $"SELECT account, chain, asset, {dialect.AmountText("SUM(amount)")} FROM ledger_entry {filter} GROUP BY account, chain, asset"
                : $"SELECT account, chain, asset, {dialect.AmountText("amount")} FROM ledger_entry {filter}";
            var sums = new Dictionary<(string Account, string Chain, string Asset), BigInteger>();
            await using var command = Sql.Command(connection, null, text);
            foreach (var (name, value) in parameters)
            {
                command.With(name, value);
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                sums[key] = sums.GetValueOrDefault(key) + LedgerAmount.Parse(reader.GetString(3));
            }

            return (IReadOnlyList<AccountBalance>)sums
                .OrderBy(s => s.Key.Account, StringComparer.Ordinal)
                .ThenBy(s => s.Key.Chain, StringComparer.Ordinal)
                .ThenBy(s => s.Key.Asset, StringComparer.Ordinal)
                .Select(s => new AccountBalance(s.Key.Account, s.Key.Chain, s.Key.Asset, s.Value))
                .ToList();
        }, cancellationToken);
}
