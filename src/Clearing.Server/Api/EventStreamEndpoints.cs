using System.Text;
using System.Text.Json;
using Clearing.Grains.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Clearing.Server.Api;

/// <summary>How often an idle event stream sends a comment line, so proxies and clients see it is alive.</summary>
public sealed record EventStreamOptions(TimeSpan HeartbeatInterval)
{
    /// <summary>15 s: under the 30-60 s idle timeouts of common proxies and load balancers.</summary>
    public static EventStreamOptions Default { get; } = new(TimeSpan.FromSeconds(15));
}

/// <summary>
/// The member event stream as server-sent events (text/event-stream): one account's events, or all of a member's
/// accounts'. Each event: <c>id: &lt;stream&gt;-&lt;sequence&gt;</c>, <c>event: &lt;kind&gt;</c>
/// (<see cref="AccountEventKinds"/>), <c>data: </c> one JSON <see cref="AccountEventMessage"/>. A <c>Last-Event-ID</c>
/// header resumes after that event; when events after it are no longer held (ring overrun, or an id from before a
/// restart) the stream first sends <c>event: gap</c> so the client re-reads the account. Idle: a comment line every
/// heartbeat interval. Ends when the client disconnects or the server stops.
/// </summary>
public static class EventStreamEndpoints
{
    public const string GapEvent = "gap";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapEventStreams(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/accounts/{id}/events", (string id, HttpContext context) =>
        {
            var caller = RequestAuthentication.Caller(context);
            return caller.Role != ApiRole.Operator && !caller.Owns(id)
                ? ApiEndpoints.NotYourAccount(caller, id)
                : new ServerSentEvents(account => account == id);
        }).WithMetadata(new ApiOperation(
            "streamAccountEvents",
            "Server-sent events of one account: deposits, withdrawals, trades, margin calls, liquidations. Send Last-Event-ID to resume; `event: gap` means events were missed (re-read the account).",
            null,
            [(200, "text/event-stream of AccountEventMessage (event: kind) and gap notices", typeof(AccountEventMessage)), .. ApiAccessResponses.Account],
            SuccessMediaType: "text/event-stream"));

        app.MapGet("/v1/events", (HttpContext context) =>
        {
            var caller = RequestAuthentication.Caller(context);
            return new ServerSentEvents(caller.Role == ApiRole.Operator ? _ => true : caller.Owns);
        }).WithMetadata(new ApiOperation(
            "streamMemberEvents",
            "Server-sent events of all the calling member's accounts (an operator: every account). Same format and resume rules as /v1/accounts/{id}/events.",
            null,
            [(200, "text/event-stream of AccountEventMessage (event: kind) and gap notices", typeof(AccountEventMessage)), (401, "Not authenticated", typeof(ProblemDetails))],
            SuccessMediaType: "text/event-stream"));
        return app;
    }

    /// <summary>Writes the stream until the client goes or the server stops; the hub is read from this connection's own position.</summary>
    private sealed class ServerSentEvents(Func<string, bool> accountFilter) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var services = context.RequestServices;
            var hub = services.GetRequiredService<AccountEventHub>();
            var clock = services.GetRequiredService<TimeProvider>();
            var options = services.GetService<EventStreamOptions>() ?? EventStreamOptions.Default;
            var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            var cancellation = ended.Token;

            var response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no"; // nginx would otherwise hold events back
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

            var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
            var resume = hub.ResumePosition(lastEventId);

            // No Last-Event-ID: live from now. This stream's id: after it. Another stream's (a restart) or malformed:
            // everything this process holds, after a gap notice.
            var position = resume ?? (lastEventId.Length == 0 ? hub.Newest : 0);
            var gapPending = resume is null && lastEventId.Length > 0;
            try
            {
                await WriteAsync(response, $"retry: 3000\n: stream {hub.StreamId}\n\n", cancellation);
                while (!cancellation.IsCancellationRequested)
                {
                    var next = hub.NextPublish;
                    var read = hub.Read(position, accountFilter);
                    var text = new StringBuilder();
                    if (read.Gap || gapPending)
                    {
                        // unknown-stream: the client's id is from another process (or malformed); buffer-overrun: the ring moved past it.
                        var gap = gapPending
                            ? new StreamGap("unknown-stream", $"Last-Event-ID '{lastEventId}' is not of this server's stream {hub.StreamId} (the server restarted, or the id is malformed): events since it may be missing. Re-read the account (GET /v1/accounts/{{id}}, …/withdrawals, …/liquidations); what follows is everything this server still holds.")
                            : new StreamGap("buffer-overrun", $"Events after {hub.EventId(position)} are no longer held (this server keeps the last {hub.Capacity} events). Re-read the account (GET /v1/accounts/{{id}}, …/withdrawals, …/liquidations), then continue from here.");
                        gapPending = false;
                        text.Append("id: ").Append(hub.EventId(read.From - 1))
                            .Append("\nevent: ").Append(GapEvent)
                            .Append("\ndata: ").Append(JsonSerializer.Serialize(gap, Json)).Append("\n\n");
                    }

                    foreach (var item in read.Events)
                    {
                        var message = new AccountEventMessage(hub.EventId(item.Sequence), item.Event.Account, item.Event.Kind, item.Event.At, item.Event.Data);
                        text.Append("id: ").Append(message.Id)
                            .Append("\nevent: ").Append(item.Event.Kind)
                            .Append("\ndata: ").Append(JsonSerializer.Serialize(message, Json)).Append("\n\n");
                    }

                    position = read.Position;
                    if (text.Length > 0)
                    {
                        await WriteAsync(response, text.ToString(), cancellation);
                    }

                    if (position < hub.Newest)
                    {
                        continue; // more than one read's worth is waiting
                    }

                    using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                    var beat = Task.Delay(options.HeartbeatInterval, clock, heartbeat.Token);
                    var woke = await Task.WhenAny(next, beat);
                    await heartbeat.CancelAsync();
                    if (woke == beat && beat.IsCompletedSuccessfully)
                    {
                        await WriteAsync(response, $": heartbeat {clock.GetUtcNow().ToUnixTimeSeconds()}\n\n", cancellation);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // The client left or the server is stopping: the stream simply ends.
            }
            catch (IOException) when (context.RequestAborted.IsCancellationRequested)
            {
                // A write raced the client's disconnect.
            }
        }

        private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellation)
        {
            await response.WriteAsync(text, Encoding.UTF8, cancellation);
            await response.Body.FlushAsync(cancellation);
        }
    }
}
