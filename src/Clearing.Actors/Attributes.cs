namespace Clearing.Actors;

/// <summary>
/// The stable grain type name that goes into <see cref="GrainId.Type"/> (and so into storage keys); put it on the
/// grain interface. Without it the interface's full name is used.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// Marks a grain class whose requests may interleave at await points (Orleans' <c>[Reentrant]</c>). Interleaved
/// turns still never run in parallel: all of an activation's work runs on its one exclusive scheduler.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>An interface method that may interleave with any request, even on a non-reentrant grain (Orleans' <c>[AlwaysInterleave]</c>).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>Overrides the host's default call timeout for one interface method (Orleans' <c>[ResponseTimeout]</c>), e.g. "00:00:05".</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ResponseTimeoutAttribute(string timeout) : Attribute
{
    public TimeSpan Timeout { get; } = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// On a grain constructor parameter of type <see cref="IPersistentState{TState}"/>: the host creates the state,
/// bound to the storage named <paramref name="storageName"/>, and reads it before the grain's first turn
/// (Orleans' <c>[PersistentState("name", "storage")]</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class PersistentStateAttribute(string stateName, string storageName = PersistentStateAttribute.DefaultStorage) : Attribute
{
    public const string DefaultStorage = "Default";

    public string StateName { get; } = stateName;

    public string StorageName { get; } = storageName;
}
