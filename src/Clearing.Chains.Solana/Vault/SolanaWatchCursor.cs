using System.Globalization;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Vault;

/// <summary>The newest signature already processed for one watched address, with its slot.</summary>
public sealed record SignatureAnchor(string Signature, ulong Slot);

/// <summary>
/// How the Solana watcher's position is stored in the chain-neutral <see cref="ChainCursor"/>:
/// <see cref="ChainCursor.Height"/> is the finalized slot the round read through, and
/// <see cref="ChainCursor.BlockHash"/> holds, for every watched address, the newest signature processed at or below it:
/// <c>address=signature@slot</c> entries joined by <c>,</c> in address order. One cursor per chain keeps the anchors and
/// the credits in one commit; an address with no history yet has no entry.
/// </summary>
public static class SolanaWatchCursor
{
    public static string Format(IReadOnlyDictionary<PublicKey, SignatureAnchor> anchors) =>
        string.Join(',', anchors.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value.Signature}@{a.Value.Slot.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>The anchors in <paramref name="text"/>; throws <see cref="FormatException"/> on anything else.</summary>
    public static Dictionary<PublicKey, SignatureAnchor> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var anchors = new Dictionary<PublicKey, SignatureAnchor>();
        if (text.Length == 0)
        {
            return anchors;
        }

        foreach (var entry in text.Split(','))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            var at = entry.LastIndexOf('@');
            if (equals <= 0 || at <= equals + 1
                || !PublicKey.TryParse(entry[..equals], out var address)
                || !ulong.TryParse(entry[(at + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var slot)
                || !IsSignature(entry[(equals + 1)..at])
                || !anchors.TryAdd(address, new SignatureAnchor(entry[(equals + 1)..at], slot)))
            {
                throw new FormatException($"'{entry}' is not a Solana watch cursor entry (address=signature@slot, each address once).");
            }
        }

        return anchors;
    }

    private static bool IsSignature(string text) => Base58.TryDecode(text, out var bytes) && bytes.Length == 64;
}
