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
}
