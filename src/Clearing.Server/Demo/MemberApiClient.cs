using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Clearing.Server.Api;

namespace Clearing.Server.Demo;

/// <summary>An HTTP answer: status and body text.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, string Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public JsonDocument Json() => JsonDocument.Parse(Body);

    public override string ToString() => $"{(int)Status} {Body}";
}

/// <summary>
/// A client of the member API as a member integrates it (src/Clearing.Server/Api/README.md): every request signed with
/// HMAC-SHA256 over timestamp, nonce, method, path with query and body. A request that gets no answer (the service is
/// restarting) is sent again until <see cref="RetryDeadline"/>: reads are harmless to repeat, and a POST is repeated
/// with the same Idempotency-Key and body, which the service answers with the first response, never a second effect.
/// </summary>
public sealed class MemberApiClient(Uri baseAddress, string keyId, byte[] secret) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    private readonly HttpClient streaming = new() { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };

    public Uri BaseAddress => baseAddress;

    public TimeSpan RetryDeadline { get; init; } = TimeSpan.FromSeconds(120);

    public Task<ApiAnswer> GetAsync(string pathAndQuery, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, pathAndQuery, "", null, cancellationToken);

    public Task<ApiAnswer> PostAsync(string pathAndQuery, string body, string? idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, pathAndQuery, body, idempotencyKey, cancellationToken);

    /// <summary>An unsigned GET of an endpoint outside /v1 (/metrics, /health); the body as text, or throws on a non-success status.</summary>
    public async Task<string> GetUnsignedAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode ? body : throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {body}");
    }

    /// <summary>Opens a signed GET whose body is read as it arrives (the server-sent event stream).</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string pathAndQuery, string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = Sign(HttpMethod.Get, pathAndQuery, "", null);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return await streaming.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        http.Dispose();
        streaming.Dispose();
    }

    private async Task<ApiAnswer> SendAsync(HttpMethod method, string pathAndQuery, string body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            try
            {
                // Signed afresh on every attempt: each needs its own nonce and a current timestamp.
                using var request = Sign(method, pathAndQuery, body, idempotencyKey);
                using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                return new ApiAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                if (DateTime.UtcNow - started > RetryDeadline)
                {
                    throw new TimeoutException($"{method} {pathAndQuery}: the service at {baseAddress} gave no answer for {RetryDeadline.TotalSeconds:0} s ({e.Message}).", e);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private HttpRequestMessage Sign(HttpMethod method, string pathAndQuery, string body, string? idempotencyKey) =>
        RequestSignature.CreateSignedRequest(method, pathAndQuery, body, keyId, secret, idempotencyKey);
}
