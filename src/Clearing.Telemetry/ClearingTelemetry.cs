using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Clearing.Telemetry;

/// <summary>
/// The single Meter and ActivitySource of Clearing (eShop's pattern). Components create their instruments on
/// <see cref="Meter"/> and their spans on <see cref="ActivitySource"/>; names follow OpenTelemetry's semantic
/// conventions (<c>clearing.deposits.credited</c>, unit given), so the Prometheus exposition and dashboards derive
/// stable series names from them. It lives in this dependency-free assembly so that the actor host and the chain RPC
/// clients record on the same instances as the server; Clearing.ServiceDefaults subscribes the SDK to them by name.
/// </summary>
public static class ClearingTelemetry
{
    public const string Name = "Clearing";

    public static readonly Meter Meter = new(Name, typeof(ClearingTelemetry).Assembly.GetName().Version?.ToString());

    public static readonly ActivitySource ActivitySource = new(Name, typeof(ClearingTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Meters of the platform that already measure what operators need: we subscribe by name instead of using instrumentation packages.</summary>
    public static readonly string[] PlatformMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "System.Net.Http",
        "System.Runtime",
        "Npgsql",
    ];

    /// <summary>Activity sources of the platform whose spans join ours in one trace.</summary>
    public static readonly string[] PlatformActivitySources =
    [
        "Microsoft.AspNetCore",
        "System.Net.Http",
        "Npgsql",
    ];

    /// <summary>
    /// The W3C <c>traceparent</c> of the span running on this async flow, or null when there is none (or it is not W3C):
    /// what a decision stores next to a durable record (an outbox action) so that later work on that record can join
    /// the trace it came from.
    /// </summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>The span context a stored <c>traceparent</c> names; default (no parent) when it is null or malformed.</summary>
    public static ActivityContext ParentFrom(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var context) ? context : default;
}
