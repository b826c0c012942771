using System.Globalization;

namespace Clearing.Persistence.Tests.Stores;

/// <summary>Direct SQL the store tests check and break the schema with, beside the stores under test.</summary>
internal static class RawSql
{
    /// <summary>How many rows <paramref name="table"/> holds.</summary>
    public static Task<long> CountRowsAsync(this ClearingDatabase database, string table) => database.ReadAsync(async connection =>
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    });

    /// <summary>Runs <paramref name="sql"/> as is (e.g. a trigger that poisons a write); returns the rows it changed.</summary>
    public static Task<int> ExecuteRawAsync(this ClearingDatabase database, string sql) => database.ReadAsync(async connection =>
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    });
}
