namespace Clearing.Persistence.Tests;

public sealed class PersistenceOptionsTests
{
    [Theory]
    [InlineData("postgresql", "postgres")]
    [InlineData(" PostgreSQL ", "postgres")]
    [InlineData("sqlite", "sqlite")]
    public void The_configured_provider_selects_the_dialect(string provider, string scriptFolder)
    {
        var database = ClearingDatabase.FromOptions(new PersistenceOptions { Provider = provider, ConnectionString = "Data Source=x" });

        Assert.Equal(scriptFolder, database.Dialect.ScriptFolder);
        Assert.Equal("Data Source=x", database.ConnectionString);
    }

    [Theory]
    [InlineData("mysql", "Data Source=x")]
    [InlineData("", "Data Source=x")]
    [InlineData("sqlite", "")]
    public void An_unknown_provider_or_a_missing_connection_string_is_refused(string provider, string connectionString) =>
        Assert.ThrowsAny<ArgumentException>(() => ClearingDatabase.FromOptions(new PersistenceOptions { Provider = provider, ConnectionString = connectionString }));

    [Fact]
    public void Both_dialects_ship_the_same_schema_versions()
    {
        var postgres = Migrations.MigrationScript.For(SqlDialect.PostgreSql);
        var sqlite = Migrations.MigrationScript.For(SqlDialect.Sqlite);

        Assert.NotEmpty(postgres);
        Assert.Equal(postgres.Select(s => (s.Version, s.Name)), sqlite.Select(s => (s.Version, s.Name)));
    }
}
