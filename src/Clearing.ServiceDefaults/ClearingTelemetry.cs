using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Clearing.ServiceDefaults;

/// <summary>
/// The single Meter and ActivitySource of Clearing (eShop's pattern). Components create their instruments on
/// <see cref="Meter"/> and their spans on <see cref="ActivitySource"/>; names follow OpenTelemetry's semantic
/// conventions (<c>clearing.deposits.credited</c>, unit given), so the Prometheus exposition and dashboards
/// derive stable series names from them.
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
}
