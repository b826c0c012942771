using Clearing.ServiceDefaults.Prometheus;
using Clearing.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Clearing.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>The environment variable that turns on the OTLP exporter (the OpenTelemetry SDK's own name for it).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The SDK's per-signal exporter selection (<c>otlp</c>, the default, or e.g. <c>none</c>): lets Prometheus alone carry metrics.</summary>
    public const string MetricsExporterVariable = "OTEL_METRICS_EXPORTER";

    public const string TracesExporterVariable = "OTEL_TRACES_EXPORTER";

    /// <summary>
    /// OpenTelemetry metrics and traces for Clearing and the platform meters/sources it relies on, a Prometheus
    /// scrape endpoint, OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and health checks.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName = "clearing")
    {
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);
        var endpoint = Environment.GetEnvironmentVariable(OtlpEndpointVariable);
        var otlpMetrics = UsesOtlp(endpoint, Environment.GetEnvironmentVariable(MetricsExporterVariable));
        var otlpTraces = UsesOtlp(endpoint, Environment.GetEnvironmentVariable(TracesExporterVariable));
        var prometheus = new PrometheusScrapeEndpoint();

        var meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(ClearingTelemetry.Name)
            .AddMeter(ClearingTelemetry.PlatformMeters)
            .AddReader(prometheus.Reader);
        var traces = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(ClearingTelemetry.Name)
            .AddSource(ClearingTelemetry.PlatformActivitySources);
        if (otlpMetrics)
        {
            meters.AddOtlpExporter();
        }

        if (otlpTraces)
        {
            traces.AddOtlpExporter();
        }

        builder.Services.AddSingleton(prometheus);
        builder.Services.AddSingleton(meters.Build());
        builder.Services.AddSingleton(traces.Build());
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Whether a signal goes out over OTLP: only when an endpoint is set, and the signal's <c>OTEL_*_EXPORTER</c> list
    /// is unset (OTLP is the specification's default) or names <c>otlp</c>.
    /// </summary>
    public static bool UsesOtlp(string? endpoint, string? exporters) =>
        !string.IsNullOrWhiteSpace(endpoint)
        && (string.IsNullOrWhiteSpace(exporters)
            || exporters.Split(',').Any(exporter => exporter.Trim().Equals("otlp", StringComparison.OrdinalIgnoreCase)));

    /// <summary>GET /metrics (Prometheus text format) and GET /health.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapGet("/metrics", (PrometheusScrapeEndpoint endpoint) => Results.Text(endpoint.Scrape(), PrometheusTextFormat.ContentType));
        app.MapHealthChecks("/health");
        return app;
    }
}
