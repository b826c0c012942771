namespace Clearing.Persistence;

/// <summary>
/// The database Clearing stores everything in, bound from configuration (section <see cref="Section"/>):
/// <c>"Persistence": { "Provider": "postgresql", "ConnectionString": "Host=…;Database=clearing" }</c> or
/// <c>{ "Provider": "sqlite", "ConnectionString": "Data Source=clearing.db" }</c>.
/// </summary>
public sealed class PersistenceOptions
{
    public const string Section = "Persistence";

    /// <summary><c>postgresql</c> or <c>sqlite</c>.</summary>
    public string Provider { get; set; } = "";

    public string ConnectionString { get; set; } = "";
}
