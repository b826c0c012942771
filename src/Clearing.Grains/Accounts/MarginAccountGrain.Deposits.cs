using Clearing.Chains;
using Clearing.Domain.Assets;
using Clearing.Grains.Durable;

namespace Clearing.Grains.Accounts;

/// <summary>
/// The account's side of the deposit inbox. A chain's batch commit credits deposits into <c>account_inbox</c> together
/// with their keys, journal and the chain cursor (one transaction, see <c>Deposits/DepositBatch.cs</c>); this grain,
/// the single writer of its state document, folds them in with one commit: the new state (version compare-and-set)
/// and the removal of exactly the rows it added — no journal, that was written at credit time. So at every instant
/// the ledger balance of <c>account:&lt;id&gt;</c> = the state's balance + the rows still waiting.
/// Every command calls <see cref="AbsorbCreditedDepositsAsync"/> first, so nothing that reads balances (withdrawal,
/// trade, funding, snapshot and health) ever decides on a state that misses a credited deposit.
/// </summary>
public sealed partial class MarginAccountGrain
{
    public async Task AbsorbCreditedDepositsAsync()
    {
        var absorbed = await AbsorbInboxAsync(LedgerAccounts.Margin(AccountId), waiting =>
        {
            var cross = State.ToCrossPool(AccountId);
            foreach (var credit in waiting)
            {
                // The chain grain routed only amounts within Int128 here (DepositRoute); a wider one would be a corrupt row.
                cross = cross.AddToBalance(new AssetKey(new ChainId(credit.Chain), credit.Asset), checked((Int128)credit.Amount));
            }

            // A deposit that became final is no longer pending (the same as a direct CreditDeposit does).
            var credited = waiting.Select(c => new DepositKey(c.Chain, c.TransactionId, c.LogIndex)).ToHashSet();
            return State.WithCrossPool(cross) with { Pending = [.. State.Pending.Where(p => !credited.Contains(p.Key))] };
        });

        // The member sees a deposit credited when its account holds it (its rows are gone now: published once).
        foreach (var credit in absorbed)
        {
            Publish(Events.AccountEventKinds.DepositCredited, ("chain", credit.Chain), ("asset", credit.Asset),
                ("units", credit.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("transaction", credit.TransactionId));
        }
    }
}
