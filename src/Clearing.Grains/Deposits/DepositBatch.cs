using System.Numerics;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Grains.Risk;
using Clearing.Grains.Serialization;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Inbox;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Deposits;

/// <summary>What a suspense inbox row carries besides the amount: the token, why it is held, what account it named.</summary>
internal sealed record SuspenseDetail(string Token, string Reason, string? ClaimedAccount);

/// <summary>
/// The ONE transaction of a finalized batch of one chain: the cursor advance (compare-and-set, fenced by the epoch the
/// caller sets) and, for each deposit, its global key <c>credit:&lt;chain&gt;:&lt;tx&gt;:&lt;index&gt;</c>, its balanced
/// journal transaction (vault → margin account, or vault → suspense) and its row in the recipient's deposit inbox.
/// </summary>
/// <param name="Commit">The unit of work; <see cref="DurableCommit.Epoch"/> is 0 until the committing grain sets its own.</param>
/// <param name="ZeroAmount">Deposits of nothing received: not credited (a zero line cannot be journaled).</param>
public sealed record DepositBatch(DurableCommit Commit, int ZeroAmount)
{
    /// <summary>Plans the commit of <paramref name="deposits"/> (already checked to be final deposits of <paramref name="chain"/>).</summary>
    /// <param name="advance">The cursor move, or null when the batch ends at the stored cursor (a replay).</param>
    /// <exception cref="ArgumentOutOfRangeException">A deposit for suspense exceeds the ledger's range: the batch cannot be committed.</exception>
    public static DepositBatch Plan(string chain, CursorAdvance? advance, IReadOnlyList<ObservedDeposit> deposits, RiskConfiguration configuration, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chain);
        ArgumentNullException.ThrowIfNull(deposits);
        ArgumentNullException.ThrowIfNull(configuration);
        var credits = new List<InboxDeposit>(deposits.Count);
        var zero = 0;
        foreach (var deposit in deposits)
        {
            switch (DepositRoute.For(deposit, configuration))
            {
                case DepositRoute.ToAccount(var account, var units):
                    credits.Add(Credit(deposit, LedgerAccounts.Margin(account), (BigInteger)units, "deposit", detailJson: null, at));
                    break;
                case DepositRoute.ToSuspense(var reason):
                    if (!LedgerAmount.Fits(deposit.Amount))
                    {
                        throw new ArgumentOutOfRangeException(nameof(deposits), $"Deposit {deposit.Key}: {deposit.Amount} is beyond the ledger's range; the batch through it cannot be committed.");
                    }

                    credits.Add(Credit(deposit, LedgerAccounts.Suspense(chain), deposit.Amount, "deposit-suspense",
                        JsonSerializer.Serialize(new SuspenseDetail(deposit.Token, reason, deposit.AccountId), GrainJson.Options), at));
                    break;
                default:
                    zero++;
                    break;
            }
        }

        return new DepositBatch(new DurableCommit { Epoch = 0, At = at, Cursor = advance, Deposits = credits }, zero);
    }

    /// <summary>A credit as the account's own <c>CreditDepositAsync</c> would store it: same key, result and journal.</summary>
    private static InboxDeposit Credit(ObservedDeposit deposit, string recipient, BigInteger amount, string kind, string? detailJson, DateTimeOffset at)
    {
        var key = IdempotencyKeys.Credit(deposit.Key);
        var chain = deposit.Key.Chain;
        var journal = new JournalTransaction(key, at,
        [
            new JournalEntry(recipient, chain, deposit.Asset, amount, kind),
            new JournalEntry(LedgerAccounts.Vault(chain), chain, deposit.Asset, -amount, kind),
        ]);
        var row = new InboxCredit(key, recipient, chain, deposit.Key.TransactionId, deposit.Key.Index, deposit.Asset, amount,
            checked((long)deposit.Height), deposit.BlockHash, deposit.Depositor, detailJson, at);
        return new InboxDeposit(row, JsonSerializer.Serialize(new CreditResult(deposit.Key, recipient, amount), GrainJson.Options), journal);
    }
}
