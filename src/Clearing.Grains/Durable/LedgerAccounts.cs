namespace Clearing.Grains.Durable;

/// <summary>
/// Names of ledger (journal) accounts. Margin account ids cannot contain ':' (AccountIdCodec), so a prefixed name never
/// collides with another kind. Sign convention: a user's balance is positive; the vault custody account of a chain
/// goes negative by what it holds for users.
/// </summary>
public static class LedgerAccounts
{
    /// <summary>A margin account's available balance; equals the grain's balance per (chain, asset).</summary>
    public static string Margin(string accountId) => $"account:{accountId}";

    /// <summary>The vault's custody on a chain: the other side of every deposit.</summary>
    public static string Vault(string chain) => $"vault:{chain}";

    /// <summary>Deposits held in suspense on a chain (unattributable, not collateral, out of range).</summary>
    public static string Suspense(string chain) => $"suspense:{chain}";

    /// <summary>Withdrawals reserved and not yet paid out on a chain.</summary>
    public static string WithdrawalsInFlight(string chain) => $"withdrawals:{chain}";

    /// <summary>The clearing counterparty of a perp market: realized PnL and funding settle against it.</summary>
    public static string Market(string market) => $"market:{market}";

    /// <summary>An isolated sub-account's balance (the sub-account of <paramref name="market"/>); equals the grain's isolated balance.</summary>
    public static string Isolated(string accountId, string market) => $"isolated:{accountId}:{market}";

    /// <summary>Collateral seized by a liquidation, reserved and not yet paid out on a chain.</summary>
    public static string LiquidationsInFlight(string chain) => $"liquidations:{chain}";

    /// <summary>
    /// The liquidation backstop: it takes closed positions at the mark (realized PnL settles against it) and buys seized
    /// collateral at its liquidation price (it pays the seized value in the settlement asset).
    /// </summary>
    public const string Backstop = "backstop";

    /// <summary>The liquidators' share of liquidation fees.</summary>
    public const string Liquidator = "liquidator";

    /// <summary>The insurance fund's share of liquidation fees of liquidations not yet completed (the fund takes them in at completion).</summary>
    public const string InsuranceIncoming = "insurance:incoming";

    /// <summary>The insurance fund; equals the fund grain's balance.</summary>
    public const string Insurance = "insurance";

    /// <summary>Bankruptcy losses booked by an account and not yet absorbed (by the fund, or socialized).</summary>
    public const string Bankruptcy = "bankruptcy";

    /// <summary>Losses socialized over opposing positions (auto-deleveraging): what they owe, recorded by the fund.</summary>
    public const string Socialized = "socialized";
}
