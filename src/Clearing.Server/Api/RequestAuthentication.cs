using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using Clearing.ServiceDefaults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Clearing.Server.Api;

/// <summary>
/// Authenticates every request under <c>/v1</c> by its HMAC signature (<see cref="RequestSignature"/>): the key is known,
/// the timestamp is within ±30 s of the server clock, the signature matches (constant-time) and the nonce was not used
/// inside the window. The body is read once here (at most <see cref="MaxBodyBytes"/>) and handed to the endpoint, so
/// the bytes that were verified are the bytes that are parsed.
/// </summary>
public sealed class RequestAuthentication(RequestDelegate next, ApiCredentialStore credentials, NonceStore nonces, TimeProvider clock)
{
    public const int MaxBodyBytes = 64 * 1024;
    private const int MaxNonceLength = 128;
    private static readonly object CallerItem = new();

    // Refusals by reason, so operators see clock drift (clock_skew) or an attack (bad_signature, replay) on a dashboard.
    private static readonly Counter<long> Rejected = ClearingTelemetry.Meter.CreateCounter<long>(
        "clearing.api.requests.rejected", "{request}", "Member API requests refused by signature authentication, by reason.");
    private static readonly object BodyItem = new();

    public static ApiCredential Caller(HttpContext context) => (ApiCredential)context.Items[CallerItem]!;

    public static byte[] Body(HttpContext context) => (byte[])context.Items[BodyItem]!;

    public async Task InvokeAsync(HttpContext context)
    {
        // Routing matches paths case-insensitively, so the gate must too: /V1/… reaches the same endpoints.
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var body = await ReadBodyAsync(context.Request);
        if (body is null)
        {
            await ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Body too large", $"Request bodies are limited to {MaxBodyBytes} bytes.").ExecuteAsync(context);
            return;
        }

        var (caller, reason, refusal) = Authenticate(context, body);
        if (caller is null)
        {
            Rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
            await ApiProblems.Unauthorized(refusal!).ExecuteAsync(context);
            return;
        }

        context.Items[CallerItem] = caller;
        context.Items[BodyItem] = body;
        await next(context);
    }

    private (ApiCredential? Caller, string? Reason, string? Refusal) Authenticate(HttpContext context, byte[] body)
    {
        var headers = context.Request.Headers;
        foreach (var name in (string[])[RequestSignature.KeyHeader, RequestSignature.TimestampHeader, RequestSignature.NonceHeader, RequestSignature.SignatureHeader])
        {
            if (string.IsNullOrEmpty(headers[name].ToString()))
            {
                return (null, "missing_header", $"Header {name} is missing. Every /v1 request carries {RequestSignature.KeyHeader}, {RequestSignature.TimestampHeader}, {RequestSignature.NonceHeader} and {RequestSignature.SignatureHeader}.");
            }
        }

        var keyId = headers[RequestSignature.KeyHeader].ToString();
        var timestamp = headers[RequestSignature.TimestampHeader].ToString();
        var nonce = headers[RequestSignature.NonceHeader].ToString();
        var signatureHex = headers[RequestSignature.SignatureHeader].ToString();

        var credential = credentials.Find(keyId);
        if (credential is null)
        {
            return (null, "unknown_key", $"Header {RequestSignature.KeyHeader}: key id '{keyId}' is not known (revoked, mistyped or from another environment).");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var unixSeconds) || unixSeconds > 253_402_300_799)
        {
            return (null, "bad_timestamp", $"Header {RequestSignature.TimestampHeader} must be the request time in whole Unix seconds (digits only), got '{timestamp}'.");
        }

        var now = clock.GetUtcNow();
        var requestTime = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        var skew = requestTime - now;
        if (skew.Duration() > RequestSignature.Window)
        {
            return (null, "clock_skew", $"Header {RequestSignature.TimestampHeader} is {(long)skew.TotalSeconds} s from the server clock (server time {now.ToUnixTimeSeconds()}); at most ±{RequestSignature.Window.TotalSeconds} s is accepted. Sync your clock (NTP) and sign with the current time.");
        }

        if (nonce.Length > MaxNonceLength)
        {
            return (null, "bad_nonce", $"Header {RequestSignature.NonceHeader} is longer than {MaxNonceLength} characters.");
        }

        if (signatureHex.Length != 64 || !IsHex(signatureHex))
        {
            return (null, "malformed_signature", $"Header {RequestSignature.SignatureHeader} must be 64 hex characters (HMAC-SHA256), got {signatureHex.Length} characters.");
        }

        var pathAndQuery = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.Path + context.Request.QueryString).ToString();
        var expected = RequestSignature.Compute(credential.Secret, timestamp, nonce, context.Request.Method, pathAndQuery, body);
        if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(signatureHex)))
        {
            return (null, "bad_signature", $"Header {RequestSignature.SignatureHeader} does not match. Sign lowercase hex HMAC-SHA256(secret, timestamp + \"\\n\" + nonce + \"\\n\" + METHOD + \"\\n\" + path-with-query + \"\\n\" + body) over exactly the bytes sent; this request was {context.Request.Method} {pathAndQuery} with a {body.Length}-byte body.");
        }

        // Only a correctly signed request consumes its nonce: forged requests cannot burn a member's nonces.
        if (!nonces.TryUse(keyId, nonce, requestTime))
        {
            return (null, "replay", $"Header {RequestSignature.NonceHeader}: nonce '{nonce}' was already used with this key within the last {RequestSignature.Window.TotalSeconds} s (replay). Use a fresh random nonce per request.");
        }

        return (credential, null, null);
    }

    private static bool IsHex(string text) => text.All(char.IsAsciiHexDigit);

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
