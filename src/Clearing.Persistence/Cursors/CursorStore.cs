using System.Data.Common;
using Clearing.Persistence.ActorStorage;

namespace Clearing.Persistence.Cursors;

/// <summary>How far a chain watcher has processed finalized data: a block number (EVM) or slot (Solana) and its hash.</summary>
public sealed record ChainCursor(string Chain, long Position, string BlockHash, DateTimeOffset UpdatedAt);

/// <summary>
/// Moves a cursor forward from where the watcher read it. <paramref name="ExpectedPosition"/> null means "no cursor
/// yet"; a mismatch (another watcher moved it) is a <see cref="CursorConflictException"/>, so two watchers of one
/// chain cannot both credit the same range.
/// </summary>
public sealed record CursorAdvance(string Chain, long? ExpectedPosition, long NewPosition, string BlockHash);

public sealed class CursorConflictException(string chain, long? expected, long? stored)
    : InvalidOperationException($"Cursor of {chain} is at {stored?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}, " +
        $"not the expected {expected?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}; another writer moved it.")
{
    public string Chain { get; } = chain;

    public long? ExpectedPosition { get; } = expected;

    public long? StoredPosition { get; } = stored;
}

/// <summary>Chain cursors (<c>chain_cursor</c>). Advances that go with credits use <see cref="UnitOfWork.DurableUnitOfWork"/>.</summary>
public sealed class CursorStore(ClearingDatabase database)
{
    public Task<ChainCursor?> GetAsync(string chain, CancellationToken cancellationToken = default) =>
        database.ReadAsync(connection => ReadAsync(connection, null, chain, cancellationToken), cancellationToken);

    /// <summary>Advances a cursor on its own (a range with nothing to credit), fenced by the writer's lease epoch.</summary>
    public Task AdvanceAsync(CursorAdvance advance, long epoch, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await LeaseFence.EnsureCurrentAsync(database.Dialect, connection, transaction, epoch, cancellationToken).ConfigureAwait(false);
            await AdvanceAsync(connection, transaction, advance, at, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    internal static async Task AdvanceAsync(DbConnection connection, DbTransaction transaction, CursorAdvance advance, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(advance);
        ArgumentException.ThrowIfNullOrWhiteSpace(advance.Chain);
        ArgumentException.ThrowIfNullOrWhiteSpace(advance.BlockHash);
        ArgumentOutOfRangeException.ThrowIfNegative(advance.NewPosition);
        if (advance.ExpectedPosition is { } expected && advance.NewPosition <= expected)
        {
            throw new ArgumentOutOfRangeException(nameof(advance), $"Cursor of {advance.Chain} may only move forward: {expected} → {advance.NewPosition}.");
        }

        var text = advance.ExpectedPosition is null
            ? """
              INSERT INTO chain_cursor (chain, position, block_hash, updated_at_ms) VALUES (@chain, @position, @hash, @at)
              ON CONFLICT (chain) DO NOTHING
              """
            : """
              UPDATE chain_cursor SET position = @position, block_hash = @hash, updated_at_ms = @at
              WHERE chain = @chain AND position = @expected
              """;
        var command = Sql.Command(connection, transaction, text)
            .With("@chain", advance.Chain).With("@position", advance.NewPosition).With("@hash", advance.BlockHash).With("@at", at.ToUnixMs());
        if (advance.ExpectedPosition is not null)
        {
            command.With("@expected", advance.ExpectedPosition);
        }

        var changed = await command.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        if (changed != 1)
        {
            var stored = await ReadAsync(connection, transaction, advance.Chain, cancellationToken).ConfigureAwait(false);
            throw new CursorConflictException(advance.Chain, advance.ExpectedPosition, stored?.Position);
        }
    }

    private static async Task<ChainCursor?> ReadAsync(DbConnection connection, DbTransaction? transaction, string chain, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, "SELECT chain, position, block_hash, updated_at_ms FROM chain_cursor WHERE chain = @chain")
            .With("@chain", chain);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new ChainCursor(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), Sql.FromUnixMs(reader.GetInt64(3)))
            : null;
    }
}
