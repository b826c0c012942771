using Clearing.Actors;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;

namespace Clearing.Grains.Deposits;

/// <summary>The grain behind a deposit inbox's recipient (a ledger account name): a margin account or a chain's suspense account.</summary>
internal static class DepositRecipients
{
    private static readonly string MarginPrefix = LedgerAccounts.Margin("");
    private static readonly string SuspensePrefix = LedgerAccounts.Suspense("");

    public static IDepositRecipient Of(IGrainFactory grains, string recipient)
    {
        if (recipient.StartsWith(MarginPrefix, StringComparison.Ordinal))
        {
            return grains.GetGrain<IMarginAccountGrain>(recipient[MarginPrefix.Length..]);
        }

        if (recipient.StartsWith(SuspensePrefix, StringComparison.Ordinal))
        {
            return grains.GetGrain<ISuspenseGrain>(recipient[SuspensePrefix.Length..]);
        }

        throw new ArgumentException($"Inbox recipient '{recipient}' is neither a margin account nor a suspense account.", nameof(recipient));
    }
}
