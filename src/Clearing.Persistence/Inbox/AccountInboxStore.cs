using System.Data.Common;
using System.Numerics;
using Clearing.Persistence.Idempotency;
using Clearing.Persistence.Ledger;

namespace Clearing.Persistence.Inbox;

/// <summary>
/// A finalized deposit credited to <paramref name="Recipient"/> (a ledger account: <c>account:&lt;id&gt;</c> or
/// <c>suspense:&lt;chain&gt;</c>) whose journal transaction and idempotency key — both named <paramref name="CreditKey"/> —
/// are written, and which the recipient grain has not yet folded into its state. <paramref name="Amount"/> is in the
/// token's base units, &gt; 0. <paramref name="DetailJson"/> carries what a recipient needs besides the amount (or null).
/// </summary>
public sealed record InboxCredit(
    string CreditKey,
    string Recipient,
    string Chain,
    string TransactionId,
    int LogIndex,
    string Asset,
    BigInteger Amount,
    long Height,
    string BlockHash,
    string Depositor,
    string? DetailJson,
    DateTimeOffset CreatedAt);

/// <summary>
/// One deposit credited by a <see cref="UnitOfWork.DurableCommit"/>: its key is consumed with <paramref name="ResultJson"/>
/// as the stored answer, its <paramref name="Journal"/> transaction (id = the key) is appended and its inbox row added —
/// all three, or none of them if the key was consumed before (then the deposit counts as credited before).
/// </summary>
public sealed record InboxDeposit(InboxCredit Credit, string ResultJson, JournalTransaction Journal)
{
    internal void EnsureValid()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Credit.CreditKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(Credit.Recipient);
        ArgumentException.ThrowIfNullOrWhiteSpace(Credit.Chain);
        ArgumentException.ThrowIfNullOrWhiteSpace(Credit.TransactionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(Credit.Asset);
        ArgumentNullException.ThrowIfNull(ResultJson);
        ArgumentOutOfRangeException.ThrowIfNegative(Credit.LogIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(Credit.Height);
        if (Credit.Amount.Sign <= 0 || !LedgerAmount.Fits(Credit.Amount))
        {
            throw new ArgumentOutOfRangeException(nameof(Credit), $"Inbox credit {Credit.CreditKey}: {Credit.Amount} is not a positive amount within the ledger's range.");
        }

        if (Journal.TransactionId != Credit.CreditKey)
        {
            throw new ArgumentException($"The journal transaction of inbox credit {Credit.CreditKey} must carry its key, not {Journal.TransactionId}.", nameof(Journal));
        }

        var credited = Journal.Entries.Where(e => e.Account == Credit.Recipient && e.Chain == Credit.Chain && e.Asset == Credit.Asset).Aggregate(BigInteger.Zero, (sum, e) => sum + e.Amount);
        if (credited != Credit.Amount)
        {
            // The invariant "ledger balance = state + inbox" needs the row to say exactly what the journal credited.
            throw new ArgumentException($"Inbox credit {Credit.CreditKey} of {Credit.Amount} to {Credit.Recipient} does not match its journal ({credited}).", nameof(Journal));
        }

        Journal.EnsureValid();
    }
}

/// <summary>
/// The deposit inbox (<c>account_inbox</c>). Rows are added by a chain's batch commit and removed by the recipient's
/// absorption commit, both through <see cref="UnitOfWork.DurableUnitOfWork"/>; this class reads them.
/// </summary>
public sealed class AccountInboxStore(ClearingDatabase database)
{
    /// <summary>The credits waiting for <paramref name="recipient"/>, oldest first (height, then key).</summary>
    public Task<IReadOnlyList<InboxCredit>> ForRecipientAsync(string recipient, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(recipient);
        return database.ReadAsync<IReadOnlyList<InboxCredit>>(async connection =>
        {
            var text = $"""
                SELECT credit_key, recipient, chain, tx_id, log_index, asset, {database.Dialect.AmountText("amount")}, height, block_hash, depositor, detail_json, created_at_ms
                FROM account_inbox WHERE recipient = @recipient ORDER BY height, credit_key
                """;
            await using var command = Sql.Command(connection, null, text).With("@recipient", recipient);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var credits = new List<InboxCredit>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                credits.Add(new InboxCredit(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetString(5),
                    LedgerAmount.Parse(reader.GetString(6)), reader.GetInt64(7), reader.GetString(8), reader.GetString(9), reader.NullableString(10),
                    Sql.FromUnixMs(reader.GetInt64(11))));
            }

            return credits;
        }, cancellationToken);
    }

    /// <summary>The recipients that have credits of <paramref name="chain"/> waiting (in ordinal order).</summary>
    public Task<IReadOnlyList<string>> RecipientsWithCreditsAsync(string chain, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chain);
        return database.ReadAsync<IReadOnlyList<string>>(async connection =>
        {
            await using var command = Sql.Command(connection, null, "SELECT DISTINCT recipient FROM account_inbox WHERE chain = @chain").With("@chain", chain);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var recipients = new List<string>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                recipients.Add(reader.GetString(0));
            }

            recipients.Sort(StringComparer.Ordinal);
            return recipients;
        }, cancellationToken);
    }

    /// <summary>
    /// Consumes the deposit's key inside the caller's transaction and, if it was free, appends its journal transaction
    /// and inbox row. Returns false (and writes nothing) when the key had been consumed before.
    /// </summary>
    internal static async Task<bool> TryCreditAsync(SqlDialect dialect, DbConnection connection, DbTransaction transaction, InboxDeposit deposit, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var credit = deposit.Credit;
        if (await IdempotencyStore.TryConsumeAsync(connection, transaction, new IdempotencyRecord(credit.CreditKey, deposit.ResultJson), at, cancellationToken).ConfigureAwait(false) is not null)
        {
            return false;
        }

        await LedgerStore.AppendAsync(dialect, connection, transaction, deposit.Journal, cancellationToken).ConfigureAwait(false);
        await Sql.Command(connection, transaction, $"""
                INSERT INTO account_inbox (credit_key, recipient, chain, tx_id, log_index, asset, amount, height, block_hash, depositor, detail_json, created_at_ms)
                VALUES (@key, @recipient, @chain, @tx, @index, @asset, {dialect.AmountValue("@amount")}, @height, @hash, @depositor, @detail, @at)
                """)
            .With("@key", credit.CreditKey).With("@recipient", credit.Recipient).With("@chain", credit.Chain).With("@tx", credit.TransactionId)
            .With("@index", credit.LogIndex).With("@asset", credit.Asset).With("@amount", LedgerAmount.ToText(credit.Amount))
            .With("@height", credit.Height).With("@hash", credit.BlockHash).With("@depositor", credit.Depositor).With("@detail", credit.DetailJson)
            .With("@at", at.ToUnixMs())
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Removes a row its recipient folded into its state, inside the caller's transaction. A row that is not there (or
    /// belongs to another recipient) means the caller's view is stale: <see cref="Actors.Storage.InconsistentStateException"/>.
    /// </summary>
    /// <param name="heldVersion">The version of the recipient's state the caller absorbed into (reported in the exception).</param>
    internal static async Task RemoveAsync(DbConnection connection, DbTransaction transaction, AbsorbedCredit absorbed, long heldVersion, CancellationToken cancellationToken)
    {
        var removed = await Sql.Command(connection, transaction, "DELETE FROM account_inbox WHERE credit_key = @key AND recipient = @recipient")
            .With("@key", absorbed.CreditKey).With("@recipient", absorbed.Recipient)
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        if (removed != 1)
        {
            // Not the state row's version (that check passed) but its inbox: -1 as the stored version says so.
            throw new Actors.Storage.InconsistentStateException($"Inbox credit {absorbed.CreditKey} of {absorbed.Recipient} is no longer waiting: it was absorbed by another writer.", -1, heldVersion);
        }
    }
}

/// <summary>An inbox row its recipient folds into its state in a <see cref="UnitOfWork.DurableCommit"/> (the row is removed).</summary>
public sealed record AbsorbedCredit(string CreditKey, string Recipient);
