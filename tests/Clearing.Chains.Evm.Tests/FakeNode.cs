using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Clearing.Chains.Evm.Tests;

/// <summary>
/// An in-process HTTP handler standing in for a node: each POST is answered by the next scripted reply, and every
/// request body is recorded so tests can check what was sent and how often.
/// </summary>
internal sealed class FakeNode : HttpMessageHandler
{
    private readonly Queue<Func<JsonNode, CancellationToken, Task<HttpResponseMessage>>> replies = new();

    public List<JsonNode> Requests { get; } = [];

    public static Uri Endpoint { get; } = new("http://node.test/rpc");

    public FakeNode Reply(JsonNode body, HttpStatusCode status = HttpStatusCode.OK) =>
        Then((_, _) => Task.FromResult(Json(body.ToJsonString(), status)));

    /// <summary>Answers with whatever <paramref name="answer"/> computes from the request (e.g. to echo batch ids).</summary>
    public FakeNode ReplyWith(Func<JsonNode, JsonNode> answer) =>
        Then((request, _) => Task.FromResult(Json(answer(request).ToJsonString(), HttpStatusCode.OK)));

    public FakeNode ReplyRaw(string body, HttpStatusCode status) => Then((_, _) => Task.FromResult(Json(body, status)));

    public FakeNode RefuseConnection() => Then((_, _) => throw new HttpRequestException("Connection refused (node.test:80)"));

    /// <summary>Never answers: the request completes only when the client gives up (its timeout cancels it).</summary>
    public FakeNode Hang() => Then(async (_, cancellationToken) =>
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    });

    public FakeNode Then(Func<JsonNode, CancellationToken, Task<HttpResponseMessage>> reply)
    {
        replies.Enqueue(reply);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        var body = JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken))!;
        Requests.Add(body);
        if (!replies.TryDequeue(out var reply))
        {
            throw new InvalidOperationException($"Unexpected request #{Requests.Count}: {body.ToJsonString()}");
        }

        return await reply(body, cancellationToken);
    }

    private static HttpResponseMessage Json(string body, HttpStatusCode status) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
