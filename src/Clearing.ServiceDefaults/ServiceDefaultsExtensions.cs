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

    /// <summary>
    /// OpenTelemetry metrics and traces for Clearing and the platform meters/sources it relies on, a Prometheus
    /// scrape endpoint, OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and health checks.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName = "clearing")
    {
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));
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
        if (otlp)
        {
            meters.AddOtlpExporter();
            traces.AddOtlpExporter();
        }

        builder.Services.AddSingleton(prometheus);
        builder.Services.AddSingleton(meters.Build());
        builder.Services.AddSingleton(traces.Build());
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>GET /metrics (Prometheus text format) and GET /health.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapGet("/metrics", (PrometheusScrapeEndpoint endpoint) => Results.Text(endpoint.Scrape(), PrometheusTextFormat.ContentType));
        app.MapHealthChecks("/health");
        return app;
    }
}
