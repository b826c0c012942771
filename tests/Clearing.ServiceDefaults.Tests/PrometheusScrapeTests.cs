using System.Globalization;
using System.Text.Json;
using Clearing.Telemetry;
using Clearing.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.ServiceDefaults.Tests;

/// <summary>Debian's real Prometheus scrapes a service built with AddServiceDefaults and answers queries about it.</summary>
[Trait("RealComponent", "true")]
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_metrics_endpoint_and_answers_queries_about_it()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults("clearing-test");
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

        // Something for Prometheus to see: three requests measured by ASP.NET Core's own meter, and a count on Clearing's meter.
        using (var http = new HttpClient { BaseAddress = address })
        {
            for (var i = 0; i < 3; i++)
            {
                (await http.GetAsync(new Uri("/health", UriKind.Relative))).EnsureSuccessStatusCode();
            }
        }

        var scrapeProbe = ClearingTelemetry.Meter.CreateCounter<long>("clearing.telemetry.self_test", "{event}", "Events recorded by the telemetry self-test.");
        scrapeProbe.Add(5);

        await using var prometheus = await PrometheusServer.StartAsync("clearing", [address.Authority]);
        await Wait.UntilAsync(
            async () => SingleValue(await prometheus.QueryAsync("up{job=\"clearing\"}")) == 1,
            TimeSpan.FromSeconds(60),
            "Prometheus to scrape the service successfully (up == 1): targets " + address);

        Assert.Equal(5, SingleValue(await prometheus.QueryAsync("clearing_telemetry_self_test_total{job=\"clearing\"}")));
        var healthRequests = SingleValue(await prometheus.QueryAsync(
            "sum(http_server_request_duration_seconds_count{job=\"clearing\",http_route=\"/health\"})"));
        Assert.True(healthRequests >= 3, $"Prometheus saw {healthRequests} requests to /health; targets: {await prometheus.TargetsAsync()}");
    }

    private static double SingleValue(JsonElement vector) =>
        vector.GetArrayLength() == 1
            ? double.Parse(vector[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)
            : double.NaN;
}
