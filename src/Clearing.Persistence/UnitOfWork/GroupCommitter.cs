namespace Clearing.Persistence.UnitOfWork;

/// <summary>
/// The queue behind <see cref="GroupCommitOptions"/>. A commit is queued; if fewer than
/// <see cref="GroupCommitOptions.MaxConcurrentBatches"/> writers run, one starts. A writer takes everything queued
/// (up to <see cref="GroupCommitOptions.MaxBatchSize"/>, of one lease epoch, since a batch is fenced once), writes it
/// with <see cref="DurableUnitOfWork.CommitBatchAsync"/>, hands each caller its own result, and goes on while the
/// queue is not empty. So a lone commit is written at once, and commits that arrive during a write form the next batch.
/// </summary>
internal sealed class GroupCommitter
{
    private readonly DurableUnitOfWork unitOfWork;
    private readonly GroupCommitOptions options;
    private readonly object gate = new();
    private readonly List<PendingCommit> queue = [];
    private int writers;
    private long batches;
    private long commands;

    public GroupCommitter(DurableUnitOfWork unitOfWork, GroupCommitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.unitOfWork = unitOfWork;
        this.options = options;
    }

    public GroupCommitStatistics Statistics
    {
        get
        {
            lock (gate)
            {
                return new GroupCommitStatistics(batches, commands, queue.Count);
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="commit"/> (already validated). <paramref name="cancellationToken"/> can withdraw it only
    /// while it is queued; once in a batch it shares that batch's fate.
    /// </summary>
    public Task<CommitOutcome> CommitAsync(DurableCommit commit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingCommit(commit);
        bool startWriter;
        lock (gate)
        {
            queue.Add(pending);
            startWriter = writers < options.MaxConcurrentBatches;
            if (startWriter)
            {
                writers++;
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            pending.CancelRegistration = cancellationToken.Register(() => Withdraw(pending, cancellationToken));
        }

        if (startWriter)
        {
            StartWriter();
        }

        return pending.Completion.Task;
    }

    /// <summary>Starts a writer off the caller's thread and execution context: it serves other callers (other grains) too.</summary>
    private void StartWriter()
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            _ = Task.Run(WriteWhileQueuedAsync);
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(WriteWhileQueuedAsync);
        }
    }

    private void Withdraw(PendingCommit pending, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (!queue.Remove(pending))
            {
                return; // Already in a batch.
            }
        }

        pending.Completion.TrySetCanceled(cancellationToken);
    }

    private async Task WriteWhileQueuedAsync()
    {
        while (TakeBatch() is { } batch)
        {
            await WriteAsync(batch).ConfigureAwait(false);
        }
    }

    /// <summary>The next batch, or null (and this writer ends) when nothing is queued.</summary>
    private List<PendingCommit>? TakeBatch()
    {
        lock (gate)
        {
            if (queue.Count == 0)
            {
                writers--;
                return null;
            }

            var epoch = queue[0].Commit.Epoch;
            var batch = new List<PendingCommit>(Math.Min(queue.Count, options.MaxBatchSize));
            var left = new List<PendingCommit>();
            foreach (var pending in queue)
            {
                // Commits of another epoch (a host that lost and regained the lease) keep their order for a later batch.
                (pending.Commit.Epoch == epoch && batch.Count < options.MaxBatchSize ? batch : left).Add(pending);
            }

            queue.Clear();
            queue.AddRange(left);
            batches++;
            commands += batch.Count;
            return batch;
        }
    }

    private async Task WriteAsync(List<PendingCommit> batch)
    {
        foreach (var pending in batch)
        {
            pending.CancelRegistration.Dispose();
        }

        IReadOnlyList<BatchItemResult> results;
        try
        {
            results = await unitOfWork.CommitBatchAsync([.. batch.Select(p => p.Commit)], batch[0].Commit.Epoch, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            // The transaction as a whole failed (fence, connection, COMMIT): every command of it gets the failure.
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(failure);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i].Refusal is { } refusal)
            {
                batch[i].Completion.TrySetException(refusal);
            }
            else
            {
                batch[i].Completion.TrySetResult(results[i].Outcome!);
            }
        }
    }

    private sealed class PendingCommit(DurableCommit commit)
    {
        public DurableCommit Commit { get; } = commit;

        // Continuations run on the thread pool, not inside the writer's loop.
        public TaskCompletionSource<CommitOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration CancelRegistration { get; set; }
    }
}
