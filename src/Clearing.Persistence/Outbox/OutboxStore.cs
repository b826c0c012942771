using System.Data.Common;
using Clearing.Persistence.ActorStorage;

namespace Clearing.Persistence.Outbox;

/// <summary>
/// The outbox of chain actions (<c>outbox_action</c>). Actions are planned in the same transaction as the decision
/// that needs them (<see cref="UnitOfWork.DurableUnitOfWork"/>) and then moved through their states by the executor;
/// every move is a compare-and-set on the state, checked against <see cref="OutboxTransitions"/> here and by a
/// trigger in the database. Every write carries the writer's lease epoch and is fenced like grain state
/// (<see cref="Clearing.Actors.Storage.FencedWriteException"/>): a deposed host's executor cannot move an action.
/// </summary>
public sealed class OutboxStore(ClearingDatabase database)
{
    private const string Columns = """
        action_id, decision_id, chain, kind, payload_json, state, attempts, nonce, last_valid_block_height,
        signed_transaction, tx_id, failure_reason, created_at_ms, updated_at_ms, trace_parent
        """;

    /// <summary>Plans an action on its own; returns its id.</summary>
    /// <exception cref="DuplicateDecisionException">The decision already has an action.</exception>
    public Task<long> PlanAsync(PlannedAction action, long epoch, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await LeaseFence.EnsureCurrentAsync(database.Dialect, connection, transaction, epoch, cancellationToken).ConfigureAwait(false);
            return await PlanAsync(database.Dialect, connection, transaction, action, at, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    internal static async Task<long> PlanAsync(SqlDialect dialect, DbConnection connection, DbTransaction transaction, PlannedAction action, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentException.ThrowIfNullOrWhiteSpace(action.DecisionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(action.Chain);
        ArgumentException.ThrowIfNullOrWhiteSpace(action.Kind);
        ArgumentNullException.ThrowIfNull(action.PayloadJson);
        await using var command = Sql.Command(connection, transaction, """
                INSERT INTO outbox_action (decision_id, chain, kind, payload_json, state, attempts, created_at_ms, updated_at_ms, trace_parent)
                VALUES (@decision, @chain, @kind, @payload, 'planned', 0, @at, @at, @trace)
                RETURNING action_id
                """)
            .With("@decision", action.DecisionId).With("@chain", action.Chain).With("@kind", action.Kind)
            .With("@payload", action.PayloadJson).With("@at", at.ToUnixMs()).With("@trace", action.TraceParent);
        try
        {
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (DbException exception) when (dialect.IsUniqueViolation(exception))
        {
            throw new DuplicateDecisionException(action.DecisionId, exception);
        }
    }

    /// <summary>planned → signed: binds the action to its nonce / last valid height and signed bytes, once.</summary>
    public Task<OutboxAction> MarkSignedAsync(long actionId, OutboxSigning signing, long epoch, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signing);
        ArgumentException.ThrowIfNullOrWhiteSpace(signing.SignedTransaction);
        ArgumentException.ThrowIfNullOrWhiteSpace(signing.TxId);
        if (signing.Nonce is null && signing.LastValidBlockHeight is null)
        {
            throw new ArgumentException("A signed action is bound to a nonce (EVM) or a last valid block height (Solana); both are missing.", nameof(signing));
        }

        return MoveAsync(actionId, OutboxState.Signed, epoch, at, signing, failureReason: null, cancellationToken);
    }

    /// <summary>signed → broadcast, or broadcast → broadcast for a retry of the same bytes; counts one attempt.</summary>
    public Task<OutboxAction> MarkBroadcastAsync(long actionId, long epoch, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        MoveAsync(actionId, OutboxState.Broadcast, epoch, at, signing: null, failureReason: null, cancellationToken);

    public Task<OutboxAction> MarkConfirmedAsync(long actionId, long epoch, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        MoveAsync(actionId, OutboxState.Confirmed, epoch, at, signing: null, failureReason: null, cancellationToken);

    public Task<OutboxAction> MarkFailedAsync(long actionId, string reason, long epoch, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return MoveAsync(actionId, OutboxState.Failed, epoch, at, signing: null, reason, cancellationToken);
    }

    public Task<OutboxAction?> FindAsync(long actionId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(async connection =>
        {
            await using var command = Sql.Command(connection, null, $"SELECT {Columns} FROM outbox_action WHERE action_id = @id").With("@id", actionId);
            return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        }, cancellationToken);

    public Task<OutboxAction?> FindByDecisionAsync(string decisionId, CancellationToken cancellationToken = default) =>
        database.ReadAsync(async connection =>
        {
            await using var command = Sql.Command(connection, null, $"SELECT {Columns} FROM outbox_action WHERE decision_id = @decision").With("@decision", decisionId);
            return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        }, cancellationToken);

    /// <summary>The chain's actions not yet confirmed or failed, oldest first: what an executor resumes after a restart.</summary>
    public Task<IReadOnlyList<OutboxAction>> OpenAsync(string chain, CancellationToken cancellationToken = default) =>
        database.ReadAsync(async connection =>
        {
            await using var command = Sql.Command(connection, null,
                    $"SELECT {Columns} FROM outbox_action WHERE chain = @chain AND state NOT IN ('confirmed', 'failed') ORDER BY created_at_ms, action_id")
                .With("@chain", chain);
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// signed or broadcast → signed with a new transaction, when the old one can no longer land: an EVM replacement
    /// must keep the nonce; a Solana re-sign must raise the last valid block height. Attempts are kept.
    /// </summary>
    /// <param name="replacedTxId">The transaction being replaced: the move is refused if the action no longer holds it.</param>
    public Task<OutboxAction> RebindAsync(long actionId, string replacedTxId, OutboxSigning signing, long epoch, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signing);
        ArgumentException.ThrowIfNullOrWhiteSpace(signing.SignedTransaction);
        ArgumentException.ThrowIfNullOrWhiteSpace(signing.TxId);
        return MoveAsync(actionId, OutboxState.Signed, epoch, at, signing, failureReason: null, cancellationToken, current =>
            current.State is OutboxState.Signed or OutboxState.Broadcast
            && current.TxId == replacedTxId
            && current.Nonce == signing.Nonce
            && (current.Nonce is not null || signing.LastValidBlockHeight > current.LastValidBlockHeight));
    }

    /// <summary>planned → failed only: given up before anything was signed (a stale view can never fail a sent action).</summary>
    public Task<OutboxAction> AbandonAsync(long actionId, string reason, long epoch, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return MoveAsync(actionId, OutboxState.Failed, epoch, at, signing: null, reason, cancellationToken, current => current.State == OutboxState.Planned);
    }

    /// <param name="allowed">The move's precondition on the current row; by default the lifecycle of <see cref="OutboxTransitions"/>.</param>
    private Task<OutboxAction> MoveAsync(
        long actionId, OutboxState to, long epoch, DateTimeOffset at, OutboxSigning? signing, string? failureReason, CancellationToken cancellationToken, Func<OutboxAction, bool>? allowed = null) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await LeaseFence.EnsureCurrentAsync(database.Dialect, connection, transaction, epoch, cancellationToken).ConfigureAwait(false);
            await using var read = Sql.Command(connection, transaction, $"SELECT {Columns} FROM outbox_action WHERE action_id = @id{database.Dialect.ForUpdate}")
                .With("@id", actionId);
            var current = (await ReadAsync(read, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
            if (current is null || !(allowed?.Invoke(current) ?? OutboxTransitions.IsLegal(current.State, to)))
            {
                throw new IllegalOutboxTransitionException(actionId, current?.State, to);
            }

            var attempts = to == OutboxState.Broadcast ? 1 : 0;
            await using var update = Sql.Command(connection, transaction, """
                    UPDATE outbox_action
                    SET state = @to, attempts = attempts + @attempts,
                        nonce = COALESCE(@nonce, nonce),
                        last_valid_block_height = COALESCE(@height, last_valid_block_height),
                        signed_transaction = COALESCE(@signed, signed_transaction),
                        tx_id = COALESCE(@tx, tx_id),
                        failure_reason = COALESCE(@reason, failure_reason),
                        updated_at_ms = @at
                    WHERE action_id = @id AND state = @from
                    """)
                .With("@to", to.ToText()).With("@attempts", attempts)
                .With("@nonce", signing?.Nonce).With("@height", signing?.LastValidBlockHeight)
                .With("@signed", signing?.SignedTransaction).With("@tx", signing?.TxId)
                .With("@reason", failureReason).With("@at", at.ToUnixMs())
                .With("@id", actionId).With("@from", current.State.ToText());
            int moved;
            try
            {
                moved = await update.ExecuteAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbException exception) when (database.Dialect.IsUniqueViolation(exception))
            {
                throw new OutboxNonceTakenException(actionId, current.Chain, signing?.Nonce, exception);
            }

            if (moved != 1)
            {
                throw new IllegalOutboxTransitionException(actionId, current.State, to);
            }

            return current with
            {
                State = to,
                Attempts = current.Attempts + attempts,
                Nonce = signing?.Nonce ?? current.Nonce,
                LastValidBlockHeight = signing?.LastValidBlockHeight ?? current.LastValidBlockHeight,
                SignedTransaction = signing?.SignedTransaction ?? current.SignedTransaction,
                TxId = signing?.TxId ?? current.TxId,
                FailureReason = failureReason ?? current.FailureReason,
                UpdatedAt = Sql.FromUnixMs(at.ToUnixMs()),
            };
        }, cancellationToken);

    private static async Task<IReadOnlyList<OutboxAction>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var actions = new List<OutboxAction>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            actions.Add(new OutboxAction(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                OutboxTransitions.Parse(reader.GetString(5)),
                reader.GetInt32(6),
                reader.NullableInt64(7),
                reader.NullableInt64(8),
                reader.NullableString(9),
                reader.NullableString(10),
                reader.NullableString(11),
                Sql.FromUnixMs(reader.GetInt64(12)),
                Sql.FromUnixMs(reader.GetInt64(13)))
            {
                TraceParent = reader.NullableString(14),
            });
        }

        return actions;
    }
}
