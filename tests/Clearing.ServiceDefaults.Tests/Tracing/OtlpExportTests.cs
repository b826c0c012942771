using System.Collections.Concurrent;
using System.Diagnostics;
using Clearing.ServiceDefaults.Tests.Service;
using Clearing.Telemetry;
using Clearing.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.ServiceDefaults.Tests.Tracing;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, the service defaults export over OTLP (here OTLP/HTTP protobuf to a
/// receiver in the test); <c>OTEL_METRICS_EXPORTER=none</c> keeps metrics to the Prometheus endpoint alone.
/// In the service collection: the environment variables are process-wide while the test runs.
/// </summary>
[Collection(ServiceTestCollection.Name)]
public sealed class OtlpExportTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("", "otlp", false)]
    [InlineData("http://collector:4317", null, true)]
    [InlineData("http://collector:4317", "otlp", true)]
    [InlineData("http://collector:4317", "console, OTLP", true)]
    [InlineData("http://collector:4317", "none", false)]
    [InlineData("http://collector:4317", "prometheus", false)]
    public void A_signal_goes_out_over_otlp_only_with_an_endpoint_and_unless_its_exporter_list_leaves_otlp_out(string? endpoint, string? exporters, bool expected) =>
        Assert.Equal(expected, ServiceDefaultsExtensions.UsesOtlp(endpoint, exporters));

    [Fact]
    public async Task Spans_reach_the_otlp_endpoint_and_metrics_stay_off_it_when_the_metrics_exporter_is_none()
    {
        var received = new ConcurrentQueue<(string Path, string? ContentType, long Bytes)>();
        var receiverBuilder = WebApplication.CreateSlimBuilder();
        receiverBuilder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var receiver = receiverBuilder.Build();
        receiver.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            received.Enqueue((context.Request.Path, context.Request.ContentType, body.Length));
            return Results.Ok();
        });
        await receiver.StartAsync();
        var receiverUrl = receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        var variables = new Dictionary<string, string?>
        {
            [ServiceDefaultsExtensions.OtlpEndpointVariable] = receiverUrl,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            [ServiceDefaultsExtensions.MetricsExporterVariable] = "none",
        };
        var before = variables.Keys.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.AddServiceDefaults("clearing-otlp-test");
            await using (var app = builder.Build())
            {
                app.MapDefaultEndpoints();
                await app.StartAsync();
                using (var span = ClearingTelemetry.ActivitySource.StartActivity("otlp probe"))
                {
                    Assert.NotNull(span);
                }

                await app.StopAsync();
            }

            // Disposing the app disposed its tracer provider, which flushes the batch exporter.
            await Wait.UntilAsync(() => Task.FromResult(received.Any(r => r.Path == "/v1/traces")), TimeSpan.FromSeconds(30), "the OTLP trace export");
            var traces = received.First(r => r.Path == "/v1/traces");
            Assert.Equal("application/x-protobuf", traces.ContentType);
            Assert.True(traces.Bytes > 0);
            Assert.DoesNotContain(received, r => r.Path == "/v1/metrics");
        }
        finally
        {
            foreach (var (name, value) in before)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
