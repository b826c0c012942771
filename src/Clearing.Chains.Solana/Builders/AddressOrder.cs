namespace Clearing.Chains.Solana.Builders;

/// <summary>
/// The order @solana/kit sorts base58 addresses in when it compiles a message (<c>getAddressComparator</c>:
/// <c>Intl.Collator('en', { caseFirst: 'lower', sensitivity: 'variant' })</c>). Any order of accounts within a role
/// is valid on chain; following kit's makes our compiled bytes identical to the reference client's.
/// </summary>
/// <remarks>
/// For base58 text (digits and ASCII letters only) that collation is: compare case-insensitively with digits before
/// letters over the whole string; only if equal, the first position whose case differs decides, lower case first.
/// </remarks>
public sealed class AddressOrder : IComparer<string>
{
    public static AddressOrder Instance { get; } = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var length = Math.Min(x.Length, y.Length);
        for (var i = 0; i < length; i++)
        {
            var primary = char.ToLowerInvariant(x[i]).CompareTo(char.ToLowerInvariant(y[i]));
            if (primary != 0)
            {
                return primary;
            }
        }

        if (x.Length != y.Length)
        {
            return x.Length.CompareTo(y.Length);
        }

        for (var i = 0; i < length; i++)
        {
            if (x[i] != y[i])
            {
                // Same letter, different case: lower case sorts first.
                return char.IsLower(x[i]) ? -1 : 1;
            }
        }

        return 0;
    }
}
