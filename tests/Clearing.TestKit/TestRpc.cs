using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Clearing.TestKit;

/// <summary>
/// A bare JSON-RPC 2.0 caller for fixtures and test set-up (mining blocks, control methods, readiness probes).
/// Product code uses the chain clients in Clearing.Chains.*; tests use this to drive and observe nodes independently of them.
/// </summary>
public sealed class TestRpc(Uri url) : IDisposable
{
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private int nextId;

    public Uri Url { get; } = url;

    public async Task<JsonElement> CallAsync(string method, params object?[] parameters)
    {
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = Interlocked.Increment(ref nextId),
            ["method"] = method,
            ["params"] = JsonSerializer.SerializeToNode(parameters),
        };
        using var response = await http.PostAsJsonAsync(Url, request).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        if (body.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{method} failed on {Url}: {error}");
        }

        return body.GetProperty("result").Clone();
    }

    public void Dispose() => http.Dispose();
}
