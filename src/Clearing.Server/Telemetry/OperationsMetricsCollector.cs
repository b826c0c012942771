using System.Diagnostics.Metrics;
using Clearing.Actors.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.Server.Telemetry;

/// <summary>
/// Reads the durable truth and the risk grains every <see cref="Interval"/> and publishes it to
/// <see cref="OperationsMetrics"/>, so a scrape never waits on the database. Each source is read on its own: one that
/// fails (database away, a grain not registered, the host on standby without the lease) keeps its last value and is
/// counted in <c>clearing.telemetry.collection_failures</c>; the others still update.
/// </summary>
public sealed partial class OperationsMetricsCollector(OperationsReader reader, ActorHost host, TimeProvider clock, ILogger<OperationsMetricsCollector> logger)
    : BackgroundService
{
    /// <summary>Default time between collections: 10 s, a little under Prometheus' usual 15 s scrape interval.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private static readonly Counter<long> Failures = ClearingTelemetry.Meter.CreateCounter<long>(
        "clearing.telemetry.collection_failures", "{failure}", "Reads of the operations collector that failed, by source; their metrics keep the last value.");

    private static readonly string[] Sources = [Source.Deposits, Source.Outbox, Source.Seizures, Source.Cursors, Source.RiskBook, Source.InsuranceFund];

    private bool failureSeriesStarted;

    public TimeSpan Interval { get; init; } = DefaultInterval;

    /// <summary>Reads every source once and publishes what it could read.</summary>
    public async Task CollectOnceAsync(CancellationToken cancellationToken)
    {
        if (!failureSeriesStarted)
        {
            // Every source's failure series starts at 0, so rate() and increase() see the first failure.
            foreach (var source in Sources)
            {
                Failures.Add(0, new KeyValuePair<string, object?>("source", source));
            }

            failureSeriesStarted = true;
        }

        var deposits = await TryAsync(Source.Deposits, () => reader.ReadDepositsAsync(cancellationToken));
        var outbox = await TryAsync(Source.Outbox, () => reader.ReadOutboxAsync(cancellationToken));
        var seizures = await TryAsync(Source.Seizures, () => reader.ReadSeizuresAsync(cancellationToken));
        var cursors = await TryAsync(Source.Cursors, () => reader.ReadCursorsAsync(cancellationToken));
        // Grain calls need the lease: a standby host reports only what the database says.
        var riskBook = host.IsActive ? await TryAsync(Source.RiskBook, reader.ReadRiskBookAsync) : null;
        var insurance = host.IsActive ? await TryAsync(Source.InsuranceFund, reader.ReadInsuranceFundAsync) : null;
        OperationsMetrics.Publish(new OperationsSnapshot(deposits, outbox, seizures, cursors, riskBook, insurance), clock);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await CollectOnceAsync(stoppingToken);
                await Task.Delay(Interval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<T?> TryAsync<T>(string source, Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            Failures.Add(1, new KeyValuePair<string, object?>("source", source));
            LogReadFailed(logger, source, failure.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry collector could not read {Source}: {Reason}; its metrics keep their last value.")]
    private static partial void LogReadFailed(ILogger logger, string source, string reason);

    /// <summary>The <c>source</c> label of the collection failures.</summary>
    private static class Source
    {
        public const string Deposits = "deposits";
        public const string Outbox = "outbox";
        public const string Seizures = "seizures";
        public const string Cursors = "cursors";
        public const string RiskBook = "risk_book";
        public const string InsuranceFund = "insurance_fund";
    }
}
