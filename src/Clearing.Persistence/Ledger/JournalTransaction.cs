using System.Numerics;

namespace Clearing.Persistence.Ledger;

/// <summary>
/// One line of a journal transaction: <paramref name="Amount"/> in the base units of (<paramref name="Chain"/>,
/// <paramref name="Asset"/>) added to <paramref name="Account"/>'s balance (negative takes away).
/// </summary>
/// <param name="Kind">What the line is for, e.g. <c>deposit</c>, <c>withdrawal-reserve</c>, <c>fee</c>.</param>
public sealed record JournalEntry(string Account, string Chain, string Asset, BigInteger Amount, string Kind);

/// <summary>
/// A balanced set of journal entries written together. Balanced means: for every (chain, asset) the amounts sum
/// to zero. The chain is part of the key because base units are only comparable within one token: the same
/// symbol on two chains is two tokens (different contracts, possibly different decimals), and moving value
/// between them is two balanced transactions through a bridge/settlement account, not one.
/// </summary>
/// <param name="TransactionId">Unique; a second transaction with the same id is refused by the database.</param>
/// <param name="CreatedAt">Supplied by the caller's clock, never the database's.</param>
public sealed record JournalTransaction(string TransactionId, DateTimeOffset CreatedAt, IReadOnlyList<JournalEntry> Entries)
{
    /// <summary>Throws <see cref="UnbalancedJournalException"/> (or <see cref="ArgumentException"/> for a malformed line) unless the transaction may be written.</summary>
    public void EnsureValid()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(TransactionId);
        ArgumentNullException.ThrowIfNull(Entries);
        if (Entries.Count < 2)
        {
            throw new ArgumentException($"Journal transaction {TransactionId} has {Entries.Count} entries; a balanced transaction needs at least two.");
        }

        foreach (var entry in Entries)
        {
            ArgumentNullException.ThrowIfNull(entry);
            if (string.IsNullOrWhiteSpace(entry.Account) || string.IsNullOrWhiteSpace(entry.Chain)
                || string.IsNullOrWhiteSpace(entry.Asset) || string.IsNullOrWhiteSpace(entry.Kind))
            {
                throw new ArgumentException($"Journal transaction {TransactionId} has an entry without account, chain, asset or kind: {entry}.");
            }

            if (entry.Amount.IsZero)
            {
                throw new ArgumentException($"Journal transaction {TransactionId} has a zero entry: {entry}.");
            }

            if (!LedgerAmount.Fits(entry.Amount))
            {
                throw new ArgumentOutOfRangeException(nameof(Entries), $"Journal transaction {TransactionId}: {entry.Amount} exceeds the ledger's {LedgerAmount.MaxDigits} digits.");
            }
        }

        var imbalances = Entries
            .GroupBy(e => (e.Chain, e.Asset))
            .Select(g => new Imbalance(TransactionId, g.Key.Chain, g.Key.Asset, g.Aggregate(BigInteger.Zero, (sum, e) => sum + e.Amount)))
            .Where(i => !i.Sum.IsZero)
            .ToList();
        if (imbalances.Count > 0)
        {
            throw new UnbalancedJournalException(imbalances);
        }
    }
}

/// <summary>A (transaction, chain, asset) whose entries do not sum to zero.</summary>
public sealed record Imbalance(string TransactionId, string Chain, string Asset, BigInteger Sum);

public sealed class UnbalancedJournalException(IReadOnlyList<Imbalance> imbalances)
    : InvalidOperationException("Journal transaction does not balance: " +
        string.Join("; ", imbalances.Select(i => $"{i.TransactionId} {i.Chain}/{i.Asset} sums to {i.Sum}")))
{
    public IReadOnlyList<Imbalance> Imbalances { get; } = imbalances;
}
