using System.Numerics;

namespace Clearing.Chains;

/// <summary>
/// The idempotency key of a credit (DESIGN.md §6): the chain, the transaction id and the log or instruction index of
/// the finalized copy. Crediting the same key twice is a no-op.
/// </summary>
public readonly record struct DepositKey(string Chain, string TransactionId, int Index)
{
    public override string ToString() => $"{Chain}:{TransactionId}:{Index}";
}

/// <summary>How far a watcher has read a chain: the last block (or slot) whose deposits are committed, and its hash.</summary>
public readonly record struct ChainCursor(ulong Height, string BlockHash);

/// <summary>
/// A deposit read from a chain. <see cref="AccountId"/> is null when the deposit names no valid margin account (the
/// credit then goes to suspense, never dropped); <see cref="SuspenseReason"/> says why.
/// </summary>
/// <param name="Asset">The asset symbol the allowlist maps the token (or native coin) to.</param>
/// <param name="Token">The token contract or mint as the chain spells it (empty for the native coin).</param>
/// <param name="Amount">What the vault received, in the token's base units.</param>
/// <param name="Height">Block number or slot that holds it.</param>
/// <param name="BlockHash">Hash of that block: a pending deposit whose block is reorged away is dropped.</param>
public sealed record ObservedDeposit(
    DepositKey Key,
    string? AccountId,
    string Asset,
    string Token,
    BigInteger Amount,
    ulong Height,
    string BlockHash,
    string Depositor,
    string? SuspenseReason = null);

/// <summary>
/// Where watchers hand what they read. Watchers propose, grains decide: the implementation applies each credit
/// once, keyed by <see cref="DepositKey"/>, and moves the cursor in the same transaction as the credits.
/// </summary>
public interface IDepositSink
{
    /// <summary>The cursor of <paramref name="chain"/>, or null before its first commit.</summary>
    Task<ChainCursor?> ReadCursorAsync(string chain, CancellationToken cancellationToken);

    /// <summary>
    /// Credits <paramref name="deposits"/> (all final) and moves the cursor of <paramref name="chain"/> to
    /// <paramref name="through"/>, atomically. Deposits already credited are skipped, so a replay after a crash
    /// between the chain read and this call neither double-credits nor leaves a gap.
    /// </summary>
    Task CommitFinalizedAsync(string chain, ChainCursor through, IReadOnlyList<ObservedDeposit> deposits, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the pending (seen but not final) deposits of <paramref name="chain"/>: visible to the user, worth zero.
    /// A deposit missing from the new set was reorged away or has just been finalized.
    /// </summary>
    Task ReplacePendingAsync(string chain, IReadOnlyList<ObservedDeposit> pending, CancellationToken cancellationToken);
}

/// <summary>
/// The chain disagrees with what was already committed as final: its finalized block went backwards, or the block at
/// the cursor has another hash. Crediting stops for that chain; this needs an operator, never an automatic rewind.
/// </summary>
public sealed class FinalityViolationException(string message) : Exception(message);
