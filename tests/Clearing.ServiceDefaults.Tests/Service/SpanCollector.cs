using System.Collections.Concurrent;
using System.Diagnostics;
using Clearing.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Clearing.ServiceDefaults.Tests.Service;

/// <summary>
/// An in-memory exporter on a tracer provider of its own, subscribed to the same sources as the service defaults
/// (Clearing's and the platform's): every span that ends in the process is kept. Tests select theirs by trace id.
/// </summary>
public sealed class SpanCollector : IDisposable
{
    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly TracerProvider provider;

    public SpanCollector()
    {
        provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(ClearingTelemetry.Name)
            .AddSource(ClearingTelemetry.PlatformActivitySources)
            .SetSampler(new AlwaysOnSampler())
            .AddProcessor(new SimpleActivityExportProcessor(new Exporter(spans)))
            .Build();
    }

    public IReadOnlyList<Activity> InTrace(ActivityTraceId trace) => [.. spans.Where(span => span.TraceId == trace)];

    public void Dispose() => provider.Dispose();

    private sealed class Exporter(ConcurrentQueue<Activity> spans) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var span in batch)
            {
                spans.Enqueue(span);
            }

            return ExportResult.Success;
        }
    }
}
