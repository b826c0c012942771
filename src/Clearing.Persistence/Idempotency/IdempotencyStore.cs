using System.Data.Common;

namespace Clearing.Persistence.Idempotency;

/// <summary>
/// A consumed command key and the result the command returned, so a retried command gets the same answer
/// instead of being applied twice. Keys are namespaced by the caller, e.g. <c>credit:evm-1:0xabc…:3</c>.
/// </summary>
public sealed record IdempotencyRecord(string Key, string ResultJson);

/// <summary>Reads of <c>idempotency_key</c>; keys are written only by <see cref="UnitOfWork.DurableUnitOfWork"/>, with the command's effects.</summary>
public sealed class IdempotencyStore(ClearingDatabase database)
{
    /// <summary>The stored result of the command that consumed <paramref name="key"/>, or null if none did.</summary>
    public Task<string?> FindResultAsync(string key, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection => ReadResultAsync(connection, null, key, cancellationToken), cancellationToken);

    /// <summary>
    /// Consumes the key inside the caller's transaction. Returns null when it was free (now taken), or the result
    /// stored by the command that took it first. On PostgreSQL a concurrent uncommitted holder of the same key makes
    /// the insert wait for its outcome, so the answer is never a guess.
    /// </summary>
    internal static async Task<string?> TryConsumeAsync(DbConnection connection, DbTransaction transaction, IdempotencyRecord record, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Key);
        ArgumentNullException.ThrowIfNull(record.ResultJson);
        var inserted = await Sql.Command(connection, transaction, """
                INSERT INTO idempotency_key (idempotency_key, result_json, created_at_ms) VALUES (@key, @result, @at)
                ON CONFLICT (idempotency_key) DO NOTHING
                """)
            .With("@key", record.Key).With("@result", record.ResultJson).With("@at", at.ToUnixMs())
            .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        return inserted == 1
            ? null
            : await ReadResultAsync(connection, transaction, record.Key, cancellationToken).ConfigureAwait(false)
              ?? throw new InvalidOperationException($"Idempotency key {record.Key} conflicted but cannot be read.");
    }

    private static async Task<string?> ReadResultAsync(DbConnection connection, DbTransaction? transaction, string key, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "SELECT result_json FROM idempotency_key WHERE idempotency_key = @key")
            .With("@key", key);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
