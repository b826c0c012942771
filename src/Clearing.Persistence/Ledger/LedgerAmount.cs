using System.Globalization;
using System.Numerics;

namespace Clearing.Persistence.Ledger;

/// <summary>
/// The ledger's amount bound: a signed integer in the token's base units with at most 78 decimal digits,
/// |amount| &lt; 10^78. That is PostgreSQL's NUMERIC(78,0) and holds every uint256 (2^256 ≈ 1.16·10^77); the
/// SQLite schema stores the same values as canonical decimal text.
/// </summary>
public static class LedgerAmount
{
    public const int MaxDigits = 78;

    public static readonly BigInteger ExclusiveBound = BigInteger.Pow(10, MaxDigits);

    public static bool Fits(BigInteger amount) => BigInteger.Abs(amount) < ExclusiveBound;

    /// <summary>Canonical decimal text ("-123"), the form both databases are given and return.</summary>
    public static string ToText(BigInteger amount) => amount.ToString(CultureInfo.InvariantCulture);

    public static BigInteger Parse(string text) =>
        BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
