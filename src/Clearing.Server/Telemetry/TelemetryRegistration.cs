using Clearing.Actors.Hosting;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Clearing.Server.Telemetry;

public static class TelemetryRegistration
{
    /// <summary>Seconds between reads of the operations collector (<c>Clearing:Telemetry:CollectIntervalSeconds</c>, default 10).</summary>
    public const string IntervalKey = "Clearing:Telemetry:CollectIntervalSeconds";

    /// <summary>
    /// The operations collector: ledger, outbox, cursors and risk grains as metrics (<see cref="OperationsMetrics"/>).
    /// Needs the database and actor host that <c>AddClearingApi</c> registers.
    /// </summary>
    public static WebApplicationBuilder AddOperationsMetrics(this WebApplicationBuilder builder)
    {
        var seconds = builder.Configuration.GetValue<int?>(IntervalKey) ?? (int)OperationsMetricsCollector.DefaultInterval.TotalSeconds;
        if (seconds < 1)
        {
            throw new ArgumentOutOfRangeException(IntervalKey, seconds, "The collector interval must be at least 1 second.");
        }

        builder.Services.AddSingleton(provider => new OperationsReader(
            provider.GetRequiredService<ClearingDatabase>(),
            provider.GetRequiredService<Clearing.Actors.IGrainFactory>(),
            provider.GetRequiredService<IRiskConfigurationProvider>()));
        builder.Services.AddHostedService(provider => new OperationsMetricsCollector(
            provider.GetRequiredService<OperationsReader>(),
            provider.GetRequiredService<ActorHost>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<OperationsMetricsCollector>>())
        {
            Interval = TimeSpan.FromSeconds(seconds),
        });
        return builder;
    }
}
