using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Clearing.Server.Api;

/// <summary>
/// The request signature: lowercase hex of HMAC-SHA256(secret, timestamp "\n" nonce "\n" METHOD "\n" path-with-query "\n" body),
/// where timestamp is Unix seconds as sent, METHOD is upper case, path-with-query is the request target exactly as sent
/// on the request line, and body is the raw body bytes (empty for GET).
/// </summary>
public static class RequestSignature
{
    public const string KeyHeader = "X-Clearing-Key";
    public const string TimestampHeader = "X-Clearing-Timestamp";
    public const string NonceHeader = "X-Clearing-Nonce";
    public const string SignatureHeader = "X-Clearing-Signature";

    /// <summary>How far a request's timestamp may be from the server clock, either way.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    public static byte[] Compute(ReadOnlySpan<byte> secret, string timestamp, string nonce, string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{timestamp}\n{nonce}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, secret);
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }

    public static string ComputeHex(ReadOnlySpan<byte> secret, string timestamp, string nonce, string method, string pathAndQuery, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(Compute(secret, timestamp, nonce, method, pathAndQuery, body));

    /// <summary>
    /// A request as a member's client sends it: <paramref name="body"/> as JSON content unless it is a GET, the key,
    /// the current timestamp, a fresh 128-bit nonce, the signature, and <paramref name="idempotencyKey"/> when given.
    /// Sign every attempt afresh: a nonce is accepted once.
    /// </summary>
    public static HttpRequestMessage CreateSignedRequest(HttpMethod method, string pathAndQuery, string body, string keyId, ReadOnlySpan<byte> secret, string? idempotencyKey)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(method, pathAndQuery);
        if (method != HttpMethod.Get)
        {
            request.Content = new ByteArrayContent(bodyBytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        request.Headers.Add(KeyHeader, keyId);
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(NonceHeader, nonce);
        request.Headers.Add(SignatureHeader, ComputeHex(secret, timestamp, nonce, method.Method, pathAndQuery, bodyBytes));
        if (idempotencyKey is not null)
        {
            request.Headers.Add(ApiEndpoints.IdempotencyKeyHeader, idempotencyKey);
        }

        return request;
    }
}
