using System.Reflection;

namespace Clearing.Actors.Hosting;

/// <summary>
/// The runtime-generated reference to a grain: <see cref="DispatchProxy"/> implements the grain interface, and every
/// call lands in <see cref="Invoke"/>, which packs it into a request for the host to route to the grain's
/// activation (Orleans generates these classes at build time instead). Public and unsealed because DispatchProxy
/// derives the proxy type from it.
/// </summary>
public class GrainReference : DispatchProxy
{
    private ActorHost? _host;

    public GrainId GrainId { get; private set; }

    public override string ToString() => GrainId.ToString();

    /// <summary>References are equal when they address the same grain, as in Orleans.</summary>
    public override bool Equals(object? obj) => obj is GrainReference other && other.GrainId == GrainId;

    public override int GetHashCode() => GrainId.GetHashCode();

    internal static TGrainInterface Create<TGrainInterface>(ActorHost host, GrainId grainId)
    {
        var proxy = Create<TGrainInterface, GrainReference>();
        var reference = (GrainReference)(object)proxy!;
        reference._host = host;
        reference.GrainId = grainId;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return _host!.Invoke(GrainId, GrainMethod.For(targetMethod), args ?? []);
    }
}
