using System.Data.Common;
using Clearing.Actors;
using Clearing.Actors.Reminders;

namespace Clearing.Persistence.ActorStorage;

/// <summary><see cref="IReminderTable"/> over table <c>reminder</c>; writes fenced by the lease epoch in the same transaction.</summary>
public sealed class SqlReminderTable(ClearingDatabase database) : IReminderTable
{
    private const string Columns = "grain_type, grain_key, reminder_name, start_at_ms, period_ms";

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            await using var command = Sql.Command(connection, null, $"SELECT {Columns} FROM reminder");
            return await ReadEntriesAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            await using var command = Sql.Command(connection, null,
                    $"SELECT {Columns} FROM reminder WHERE grain_type = @type AND grain_key = @key AND reminder_name = @name")
                .With("@type", grainId.Type).With("@key", grainId.Key).With("@name", name);
            return (await ReadEntriesAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        }, cancellationToken);

    public Task UpsertAsync(ReminderEntry entry, long epoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // The host writes whole milliseconds; refusing finer values keeps "read equals written" true.
        if (entry.Period <= TimeSpan.Zero || entry.Period.Ticks % TimeSpan.TicksPerMillisecond != 0
            || entry.StartAt.UtcTicks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentException($"Reminder {entry.Name} of {entry.GrainId}: start and period must be whole milliseconds, period positive.", nameof(entry));
        }

        return database.InTransactionAsync(async (connection, transaction) =>
        {
            await LeaseFence.EnsureCurrentAsync(database.Dialect, connection, transaction, epoch, cancellationToken).ConfigureAwait(false);
            return await Sql.Command(connection, transaction, $"""
                    INSERT INTO reminder ({Columns}, writer_epoch) VALUES (@type, @key, @name, @start, @period, @epoch)
                    ON CONFLICT (grain_type, grain_key, reminder_name)
                    DO UPDATE SET start_at_ms = excluded.start_at_ms, period_ms = excluded.period_ms, writer_epoch = excluded.writer_epoch
                    """)
                .With("@type", entry.GrainId.Type).With("@key", entry.GrainId.Key).With("@name", entry.Name)
                .With("@start", entry.StartAt.ToUnixMs()).With("@period", (long)entry.Period.TotalMilliseconds).With("@epoch", epoch)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task<bool> RemoveAsync(GrainId grainId, string name, long epoch, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await LeaseFence.EnsureCurrentAsync(database.Dialect, connection, transaction, epoch, cancellationToken).ConfigureAwait(false);
            var removed = await Sql.Command(connection, transaction,
                    "DELETE FROM reminder WHERE grain_type = @type AND grain_key = @key AND reminder_name = @name")
                .With("@type", grainId.Type).With("@key", grainId.Key).With("@name", name)
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return removed == 1;
        }, cancellationToken);

    private static async Task<IReadOnlyList<ReminderEntry>> ReadEntriesAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<ReminderEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new ReminderEntry(
                new GrainId(reader.GetString(0), reader.GetString(1)),
                reader.GetString(2),
                Sql.FromUnixMs(reader.GetInt64(3)),
                TimeSpan.FromMilliseconds(reader.GetInt64(4))));
        }

        return entries;
    }
}
