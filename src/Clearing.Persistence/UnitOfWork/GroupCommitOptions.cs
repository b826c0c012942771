namespace Clearing.Persistence.UnitOfWork;

/// <summary>
/// Turns on group commit in <see cref="DurableUnitOfWork"/>: <see cref="DurableUnitOfWork.CommitAsync"/> calls that
/// arrive while a transaction is in flight wait for it and are then written together, in one transaction (one
/// durable flush), each command inside its own savepoint (<see cref="DurableUnitOfWork.CommitBatchAsync"/>). Each
/// caller still gets exactly its own outcome or refusal. Off unless a unit of work is built with these options.
/// </summary>
/// <remarks>
/// Pays when many grains commit at once (concurrent commands on different accounts): the per-transaction costs -
/// connection, BEGIN, lease fence, COMMIT and its fsync - are paid once per batch instead of once per command. A lone
/// command is written at once, as without batching (no waiting for company). A failure of the batch's transaction as
/// a whole (the fence, the connection, the COMMIT) reaches every caller of that batch, who then cannot tell more than
/// without batching: a broken COMMIT leaves the outcome unknown, so callers reload from the database.
/// </remarks>
public sealed record GroupCommitOptions
{
    /// <summary>
    /// At most this many commands in one transaction; more wait for the next. Default 64: each command's savepoint
    /// that writes is a PostgreSQL subtransaction, and a transaction with more than 64 of them overflows the server's
    /// per-backend subtransaction cache, which slows every other session's snapshots.
    /// </summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>
    /// Batches in flight at once (each on its own connection). Default 1: while one batch is written the next fills
    /// up, which is the whole point. More overlaps one batch's COMMIT with the next's statements, at the price of
    /// row-lock waits between batches that touch the same rows.
    /// </summary>
    public int MaxConcurrentBatches { get; init; } = 1;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentBatches, 1, nameof(MaxConcurrentBatches));
    }
}

/// <summary>What group commit has done so far (for benchmarks and tests).</summary>
/// <param name="Batches">Transactions written (committed or failed as a whole).</param>
/// <param name="Commands">Commands those transactions carried.</param>
/// <param name="Queued">Commands waiting for a batch right now.</param>
public sealed record GroupCommitStatistics(long Batches, long Commands, int Queued)
{
    /// <summary>Average commands per transaction (0 before the first).</summary>
    public double AverageBatchSize => Batches == 0 ? 0 : (double)Commands / Batches;
}
