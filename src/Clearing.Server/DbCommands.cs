using System.Data.Common;

namespace Clearing.Server;

/// <summary>The server's one way to build an ADO.NET command over a <see cref="Clearing.Persistence.ClearingDatabase"/> connection.</summary>
internal static class DbCommands
{
    /// <summary>A command with <paramref name="sql"/> and its named parameters (the provider infers each one's type from its value).</summary>
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
