using System.Diagnostics;
using Clearing.Telemetry;

namespace Clearing.Actors.Hosting;

/// <summary>
/// One span per turn of a grain request, child of the span the call was made from (<see cref="GrainRequest.Parent"/>),
/// so a member request, the grain calls it causes and the calls those make form one trace. Orleans names its grain call
/// spans the same way (interface/method with <c>rpc.*</c> attributes).
/// </summary>
internal static class GrainTurnTracing
{
    public static Activity? Start(GrainId grain, GrainRequest request)
    {
        var span = ClearingTelemetry.ActivitySource.StartActivity($"{grain.Type}/{request.Method}", ActivityKind.Internal, request.Parent);
        if (span is null)
        {
            // Not recorded: still leave the pumping flow's span behind, so nothing in the turn joins a trace it is not part of.
            Activity.Current = null;
            return null;
        }

        if (span.IsAllDataRequested)
        {
            span.SetTag("rpc.system", "clearing.actors");
            span.SetTag("rpc.service", grain.Type);
            span.SetTag("rpc.method", request.Method);
            span.SetTag("clearing.grain.key", grain.Key);
            span.SetTag("clearing.grain.request", request.Kind switch
            {
                RequestKind.TimerTick => "timer",
                RequestKind.ReminderTick => "reminder",
                _ => "call",
            });
        }

        return span;
    }

    public static void Failed(Activity? span, Exception failure)
    {
        if (span is null)
        {
            return;
        }

        span.SetStatus(ActivityStatusCode.Error, failure.Message);
        span.SetTag("error.type", failure.GetType().FullName);
    }
}
