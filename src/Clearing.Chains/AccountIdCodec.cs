using System.Text;

namespace Clearing.Chains;

/// <summary>
/// How a margin account id travels on chain: in an EVM vault's <c>bytes32 account</c> as its UTF-8 bytes, left-aligned
/// and zero-padded (what Solidity's <c>bytes32("alice")</c> gives), and in a Solana deposit's memo as plain text.
/// Ids are 1 to 32 bytes of ASCII letters, digits, '-', '_' and '.', so every id has exactly one encoding.
/// </summary>
public static class AccountIdCodec
{
    public const int MaxLength = 32;

    public static bool IsValid(string? accountId) =>
        accountId is { Length: > 0 and <= MaxLength } && accountId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>The <c>bytes32</c> for <paramref name="accountId"/>; throws for an invalid id.</summary>
    public static byte[] ToBytes32(string accountId)
    {
        if (!IsValid(accountId))
        {
            throw new ArgumentException($"'{accountId}' is not a valid account id (1-{MaxLength} of A-Z a-z 0-9 - _ .).", nameof(accountId));
        }

        var bytes = new byte[MaxLength];
        Encoding.ASCII.GetBytes(accountId, bytes);
        return bytes;
    }

    /// <summary>The account id in a <c>bytes32</c>, or null (with the reason) when it holds none.</summary>
    public static string? FromBytes32(ReadOnlySpan<byte> bytes32, out string? reason)
    {
        if (bytes32.Length != MaxLength)
        {
            reason = $"the account field is {bytes32.Length} bytes, not {MaxLength}";
            return null;
        }

        var end = bytes32.IndexOf((byte)0);
        var length = end < 0 ? MaxLength : end;
        if (bytes32[length..].IndexOfAnyExcept((byte)0) >= 0)
        {
            reason = "the account field has bytes after its zero padding";
            return null;
        }

        var text = Encoding.ASCII.GetString(bytes32[..length]);
        if (!IsValid(text) || bytes32[..length].IndexOfAnyInRange((byte)0x80, (byte)0xff) >= 0)
        {
            reason = "the account field is not a valid account id";
            return null;
        }

        reason = null;
        return text;
    }
}
