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
}
