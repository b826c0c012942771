using Clearing.Actors;

namespace Clearing.Grains.Deposits;

/// <summary>
/// A grain that final deposits are credited to (a margin account, a chain's suspense account). A chain's
/// <see cref="IChainDepositsGrain"/> credits a whole batch in one transaction — cursor, keys, journal — into the
/// recipients' deposit inboxes; each recipient folds its inbox rows into its own state (it stays the single writer of
/// it) before any command that reads its balances, and when nudged by this call after the batch committed.
/// </summary>
public interface IDepositRecipient : IGrainWithStringKey
{
    /// <summary>Folds the credits waiting in this grain's inbox into its state, in one commit; nothing if none wait.</summary>
    Task AbsorbCreditedDepositsAsync();
}
