namespace Clearing.Actors;

/// <summary>
/// The identity of a virtual grain: a grain type name and a string key. Every grain of every type and key
/// exists (virtually); the host activates it on its first call.
/// </summary>
/// <param name="Type">
/// Stable grain type name: the <see cref="GrainTypeAttribute"/> on the grain interface, else the interface's full
/// name. Storage rows are keyed by it, so it must not change when code is renamed; give long-lived grains the attribute.
/// </param>
/// <param name="Key">The grain's primary key (<c>GetPrimaryKeyString()</c>).</param>
public readonly record struct GrainId(string Type, string Key)
{
    public override string ToString() => $"{Type}/{Key}";
}
