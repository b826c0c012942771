using Clearing.Persistence;
using static Clearing.Server.DbCommands;

namespace Clearing.Server.Api;

/// <summary>The first response to an idempotency key: HTTP status and JSON body, replayed verbatim.</summary>
public sealed record StoredResponse(int Status, string Body);

/// <summary>What a claim of an idempotency key found.</summary>
public abstract record IdempotencyClaim
{
    /// <summary>The key is ours to execute under (new, or claimed earlier by the same request that did not finish).</summary>
    public sealed record Execute : IdempotencyClaim;

    /// <summary>The same request ran before: answer with its response.</summary>
    public sealed record Replay(StoredResponse Response) : IdempotencyClaim;

    /// <summary>The key was used for a different request (method, path or body).</summary>
    public sealed record Conflict : IdempotencyClaim;
}

/// <summary>
/// HTTP-level idempotency keys, per (member, key), in table <c>api_idempotency_key</c> of the server's database.
/// Persistence's <c>idempotency_key</c> holds command results written with their effects, but not the request
/// fingerprint or the HTTP response, so it cannot tell "same key, other body" apart; see README for the protocol.
/// The fingerprint is claimed before the command runs, so a crash between the command and the response leaves a
/// claim that only the identical request can complete (the grain's own command key makes that re-run a replay).
/// </summary>
public sealed class ApiIdempotencyStore(ClearingDatabase database, TimeProvider clock)
{
    // CREATE TABLE IF NOT EXISTS is valid on both PostgreSQL and SQLite; TEXT and BIGINT too.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS api_idempotency_key (
            member_id       TEXT   NOT NULL,
            idempotency_key TEXT   NOT NULL,
            request_hash    TEXT   NOT NULL,
            response_status INTEGER NULL,
            response_body   TEXT   NULL,
            created_at_ms   BIGINT NOT NULL,
            PRIMARY KEY (member_id, idempotency_key)
        )
        """;

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Command(connection, Schema);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IdempotencyClaim> ClaimAsync(string memberId, string key, string requestHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var insert = Command(connection, """
                INSERT INTO api_idempotency_key (member_id, idempotency_key, request_hash, created_at_ms)
                VALUES (@member, @key, @hash, @at) ON CONFLICT (member_id, idempotency_key) DO NOTHING
                """, ("@member", memberId), ("@key", key), ("@hash", requestHash), ("@at", clock.GetUtcNow().ToUnixTimeMilliseconds())))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return new IdempotencyClaim.Execute();
            }
        }

        await using var select = Command(connection, """
            SELECT request_hash, response_status, response_body FROM api_idempotency_key
            WHERE member_id = @member AND idempotency_key = @key
            """, ("@member", memberId), ("@key", key));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException($"Idempotency key {key} of {memberId} conflicted on insert but cannot be read.");
        }

        if (reader.GetString(0) != requestHash)
        {
            return new IdempotencyClaim.Conflict();
        }

        return reader.IsDBNull(1)
            ? new IdempotencyClaim.Execute()
            : new IdempotencyClaim.Replay(new StoredResponse(Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(2)));
    }

    /// <summary>Records the response once; a concurrent identical request computed the same one from the grain's replay.</summary>
    public async Task CompleteAsync(string memberId, string key, StoredResponse response, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var update = Command(connection, """
            UPDATE api_idempotency_key SET response_status = @status, response_body = @body
            WHERE member_id = @member AND idempotency_key = @key AND response_status IS NULL
            """, ("@status", response.Status), ("@body", response.Body), ("@member", memberId), ("@key", key));
        await update.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How many keys a member has used (for tests and operators).</summary>
    public async Task<long> CountAsync(string memberId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var count = Command(connection, "SELECT COUNT(*) FROM api_idempotency_key WHERE member_id = @member", ("@member", memberId));
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
