using System.Net;
using System.Text.Json;
using Clearing.Grains.Events;
using Clearing.Server.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Server.Tests.Api;

/// <summary>The event stream's heartbeat and end, the operator proposal's input checks, and the OpenAPI document of the new endpoints.</summary>
public sealed class EventStreamAndOpenApiTests(ApiTestServer server) : IClassFixture<ApiTestServer>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Idle_stream_sends_a_heartbeat_comment_each_interval_of_the_servers_clock()
    {
        await using var stream = await server.OpenEventStreamAsync(server.Member1, "/v1/accounts/a11/events");
        var heartbeat = stream.ReadUntilAsync(f => f.Comment?.StartsWith("heartbeat", StringComparison.Ordinal) == true, Deadline);

        // The stream waits on the server's (fake) clock: move it on until the heartbeat shows, within the deadline.
        using var deadline = new CancellationTokenSource(Deadline);
        while (!heartbeat.IsCompleted && !deadline.IsCancellationRequested)
        {
            server.Clock.Advance(EventStreamOptions.Default.HeartbeatInterval);
            await Task.WhenAny(heartbeat, Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, CancellationToken.None));
        }

        var frames = await heartbeat;
        Assert.DoesNotContain(frames, f => f.Event is not null);
    }

    [Fact]
    public async Task Stream_of_a_disconnected_client_ends_and_a_new_one_still_gets_events()
    {
        var hub = server.Services.GetRequiredService<AccountEventHub>();
        var first = await server.OpenEventStreamAsync(server.Member1, "/v1/accounts/a12/events");
        await first.DisposeAsync();

        await using var second = await server.OpenEventStreamAsync(server.Member1, "/v1/accounts/a12/events");
        hub.Publish(new AccountEvent("a12", AccountEventKinds.TradeApplied, DateTimeOffset.UnixEpoch, new Dictionary<string, string> { ["market"] = "ETH-PERP" }));

        var frames = await second.ReadUntilAsync(f => f.Event == AccountEventKinds.TradeApplied, Deadline);
        Assert.Equal("ETH-PERP", JsonDocument.Parse(frames[^1].Data!).RootElement.GetProperty("data").GetProperty("market").GetString());
    }

    [Fact]
    public async Task Open_stream_ends_cleanly_when_the_server_stops()
    {
        var own = new ApiTestServer();
        await own.InitializeAsync();
        try
        {
            var response = await own.Http.SendAsync(own.Signed(own.Member1, HttpMethod.Get, "/v1/accounts/a1/events"), HttpCompletionOption.ResponseHeadersRead);
            await using var stream = new SseClient(response);
            await stream.ReadUntilAsync(f => f.Comment?.StartsWith("stream ", StringComparison.Ordinal) == true, Deadline);

            // Stopping signals ApplicationStopping: the stream returns, so Kestrel's shutdown does not wait on it.
            var stop = own.StopAsync();
            using var deadline = new CancellationTokenSource(Deadline);
            Assert.Null(await stream.NextAsync(deadline.Token));
            await stop.WaitAsync(Deadline);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Resuming_from_further_back_than_the_ring_holds_starts_with_a_gap_then_the_held_events()
    {
        var hub = new AccountEventHub(capacity: 4);
        var own = new ApiTestServer(postgresDatabase: null) { ConfigureServices = services => services.AddSingleton(hub) };
        await own.InitializeAsync();
        try
        {
            for (var i = 1; i <= 6; i++)
            {
                hub.Publish(new AccountEvent("a1", AccountEventKinds.MarginCall, DateTimeOffset.UnixEpoch, new Dictionary<string, string> { ["n"] = $"{i}" }));
            }

            var request = own.Signed(own.Member1, HttpMethod.Get, "/v1/accounts/a1/events");
            request.Headers.Add("Last-Event-ID", hub.EventId(1));
            await using var stream = new SseClient(await own.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead));
            var frames = await stream.ReadUntilAsync(f => f.Id == hub.EventId(6), Deadline);

            var events = frames.Where(f => f.Event is not null).ToArray();
            Assert.Equal(EventStreamEndpoints.GapEvent, events[0].Event);
            Assert.Equal("buffer-overrun", JsonDocument.Parse(events[0].Data!).RootElement.GetProperty("reason").GetString());
            // Event 2 was overwritten: the gap stands in its place, and resuming from the gap's id continues at 3.
            Assert.Equal(hub.EventId(2), events[0].Id);
            Assert.Equal(["3", "4", "5", "6"], events[1..].Select(f => JsonDocument.Parse(f.Data!).RootElement.GetProperty("data").GetProperty("n").GetString()));
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("{}", "reason")]
    [InlineData("""{"reason":""}""", "reason")]
    [InlineData("[]", "$")]
    [InlineData("{", "$")]
    public async Task Operator_liquidation_proposal_without_a_reason_is_400_naming_the_field(string body, string field)
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Operator, HttpMethod.Post, "/v1/operator/accounts/a1/liquidations", body, idempotencyKey: "liq-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Operator_liquidation_proposal_needs_an_idempotency_key()
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Operator, HttpMethod.Post, "/v1/operator/accounts/a1/liquidations", """{"reason":"manual"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("urn:clearing:problem:idempotency-key-missing", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Withdrawal_list_limit_out_of_range_is_400_naming_limit()
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1/withdrawals?limit=0"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty("limit", out _));
    }

    [Theory]
    [InlineData("/v1/accounts/{id}/events", "get", "text/event-stream")]
    [InlineData("/v1/events", "get", "text/event-stream")]
    [InlineData("/v1/accounts/{id}/deposit-instructions", "get", "application/json")]
    [InlineData("/v1/accounts/{id}/withdrawals", "get", "application/json")]
    [InlineData("/v1/accounts/{id}/withdrawals/{decisionId}", "get", "application/json")]
    [InlineData("/v1/accounts/{id}/liquidations", "get", "application/json")]
    [InlineData("/v1/operator/accounts/{id}/liquidations", "post", "application/json")]
    [InlineData("/v1/operator/risk", "get", "application/json")]
    [InlineData("/v1/operator/insurance", "get", "application/json")]
    public async Task Openapi_document_describes_each_new_endpoint_with_its_responses(string path, string method, string successMediaType)
    {
        using var response = await server.Http.GetAsync("/openapi.json");
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        var responses = operation.GetProperty("responses");
        var success = responses.EnumerateObject().First(r => r.Name.StartsWith('2'));
        Assert.True(success.Value.GetProperty("content").TryGetProperty(successMediaType, out _), $"{path}: {success.Value}");
        Assert.True(responses.TryGetProperty("401", out _));
        Assert.Equal(path.Contains("{id}", StringComparison.Ordinal) || path.Contains("operator", StringComparison.Ordinal), responses.TryGetProperty("403", out _));
        var reference = success.Value.GetProperty("content").GetProperty(successMediaType).GetProperty("schema").GetProperty("$ref").GetString()!;
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty(reference.Split('/')[^1], out _));
    }
}
