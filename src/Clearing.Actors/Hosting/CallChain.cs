namespace Clearing.Actors.Hosting;

/// <summary>
/// The chain of grain requests a call is made from, outermost first, carried in an <see cref="AsyncLocal{T}"/> that
/// the activation sets for the duration of each turn (Orleans tracks the same in its request context). It lets the
/// host see, when a request is enqueued, that it would wait for a request that is itself waiting for it.
/// </summary>
internal sealed record CallChain(GrainId Grain, long RequestId, string Method, CallChain? Caller)
{
    private static readonly AsyncLocal<CallChain?> s_current = new();

    /// <summary>The request whose turn is running on this async flow, or null outside grain code.</summary>
    public static CallChain? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>The links outermost first.</summary>
    public IEnumerable<CallChain> Links()
    {
        var links = new List<CallChain>();
        for (var link = this; link is not null; link = link.Caller)
        {
            links.Add(link);
        }

        links.Reverse();
        return links;
    }
}
