using System.Net;
using System.Text.Json.Nodes;

namespace Clearing.Chains.Solana.Tests.Rpc;

/// <summary>
/// An in-process HTTP endpoint for one client under test: each request is answered by the next scripted step,
/// and every request body is kept so tests can compare it with the golden request.
/// </summary>
internal sealed class ScriptedHttpHandler : HttpMessageHandler
{
    private readonly Queue<Func<string, CancellationToken, Task<HttpResponseMessage>>> steps = new();

    public List<string> RequestBodies { get; } = [];

    public ScriptedHttpHandler Respond(string json, HttpStatusCode status = HttpStatusCode.OK)
    {
        steps.Enqueue((_, _) => Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") }));
        return this;
    }

    public ScriptedHttpHandler Fail(Exception exception)
    {
        steps.Enqueue((_, _) => Task.FromException<HttpResponseMessage>(exception));
        return this;
    }

    /// <summary>Never answers: the request ends only when its token is cancelled (a hung node).</summary>
    public ScriptedHttpHandler Hang()
    {
        steps.Enqueue(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("unreachable");
        });
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = await request.Content!.ReadAsStringAsync(cancellationToken);
        RequestBodies.Add(body);
        if (steps.Count == 0)
        {
            throw new InvalidOperationException($"Unexpected request: {body}");
        }

        return await steps.Dequeue()(body, cancellationToken);
    }
}

/// <summary>A golden fixture: the exact JSON-RPC request we must send and the node's response to it.</summary>
internal sealed record RpcFixture(JsonNode Request, string Response)
{
    public static RpcFixture Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Rpc", "Fixtures", name + ".json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        return new RpcFixture(json["request"]!, json["response"]!.ToJsonString());
    }

    /// <summary>True when <paramref name="sent"/> is the golden request, property order aside.</summary>
    public bool Matches(string sent) => JsonNode.DeepEquals(Request, JsonNode.Parse(sent));
}
