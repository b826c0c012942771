using Clearing.Chains;
using Clearing.Grains.Risk;

namespace Clearing.Grains.Deposits;

/// <summary>Where a deposit read from a chain goes: a margin account, suspense (with the reason), or nowhere (zero received).</summary>
internal abstract record DepositRoute
{
    private DepositRoute()
    {
    }

    public sealed record ToAccount(string AccountId, Int128 Units) : DepositRoute;

    public sealed record ToSuspense(string Reason) : DepositRoute;

    public sealed record NothingReceived : DepositRoute;

    public static DepositRoute For(ObservedDeposit deposit, RiskConfiguration configuration)
    {
        if (deposit.Amount.Sign < 0)
        {
            throw new ArgumentException($"Deposit {deposit.Key} has a negative amount {deposit.Amount}.", nameof(deposit));
        }

        if (deposit.Amount.IsZero)
        {
            // Credit what the vault received (DESIGN.md §6): nothing. A zero line cannot be journaled either.
            return new NothingReceived();
        }

        if (deposit.AccountId is not { } account || !AccountIdCodec.IsValid(account))
        {
            return new ToSuspense(deposit.SuspenseReason ?? $"'{deposit.AccountId}' is not a valid account id");
        }

        if (!configuration.IsCollateral(deposit.Key.Chain, deposit.Asset))
        {
            return new ToSuspense($"{deposit.Asset} on {deposit.Key.Chain} is not collateral");
        }

        if (deposit.Amount > (System.Numerics.BigInteger)Int128.MaxValue)
        {
            return new ToSuspense($"{deposit.Amount} base units exceed a margin balance's range (Int128)");
        }

        return new ToAccount(account, (Int128)deposit.Amount);
    }
}
