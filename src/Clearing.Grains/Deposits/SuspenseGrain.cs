using System.Text.Json;
using Clearing.Chains;
using Clearing.Actors;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Grains.Serialization;
using Clearing.Persistence.Inbox;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Deposits;

public sealed record SuspenseState
{
    public IReadOnlyList<SuspendedDeposit> Held { get; init; } = [];
}

/// <summary>
/// The suspense account of one chain: holds what cannot be credited to a margin account, journaled, keyed like a credit.
/// A chain's batch commits its suspense holds into the deposit inbox (recipient <c>suspense:&lt;chain&gt;</c>) with the
/// rest of the batch; this grain folds them into its held list like a margin account does (see MarginAccountGrain.Deposits.cs).
/// </summary>
public sealed class SuspenseGrain(
    [PersistentState("suspense")] IPersistentState<SuspenseState> state,
    DurableUnitOfWork unitOfWork,
    TimeProvider clock)
    : DurableGrain<SuspenseState>(state, unitOfWork, clock), ISuspenseGrain
{
    private string Chain => this.GetPrimaryKeyString();

    public async Task<CreditResult> HoldAsync(HoldInSuspense command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.Reason);
        if (command.Key.Chain != Chain)
        {
            throw new ArgumentException($"Deposit {command.Key} belongs to the suspense account of {command.Key.Chain}, not {Chain}.", nameof(command));
        }

        if (command.Amount.Sign <= 0 || !LedgerAmount.Fits(command.Amount))
        {
            throw new ArgumentOutOfRangeException(nameof(command), $"Deposit {command.Key}: {command.Amount} is not a positive amount within the ledger's range.");
        }

        await AbsorbCreditedDepositsAsync();
        var key = IdempotencyKeys.Credit(command.Key);
        var now = Clock.GetUtcNow();
        var held = new SuspendedDeposit(command.Key, command.Asset, command.Token, command.Amount, command.Depositor, command.Reason, command.ClaimedAccount, now);
        var journal = new JournalTransaction(key, now,
        [
            new JournalEntry(LedgerAccounts.Suspense(Chain), Chain, command.Asset, command.Amount, "deposit-suspense"),
            new JournalEntry(LedgerAccounts.Vault(Chain), Chain, command.Asset, -command.Amount, "deposit-suspense"),
        ]);
        var (result, replayed) = await CommitCommandAsync(key, new CreditResult(command.Key, LedgerAccounts.Suspense(Chain), command.Amount),
            new CommandEffects<SuspenseState>(State with { Held = [.. State.Held, held] }) { Journal = [journal] });
        return replayed ? result with { Replayed = true } : result;
    }

    public async Task<IReadOnlyList<SuspendedDeposit>> GetHeldAsync()
    {
        await AbsorbCreditedDepositsAsync();
        return State.Held;
    }

    public Task AbsorbCreditedDepositsAsync() =>
        AbsorbInboxAsync(LedgerAccounts.Suspense(Chain), waiting => State with { Held = [.. State.Held, .. waiting.Select(Held)] });

    private static SuspendedDeposit Held(InboxCredit credit)
    {
        var detail = JsonSerializer.Deserialize<SuspenseDetail>(credit.DetailJson ?? "null", GrainJson.Options)
            ?? throw new InvalidOperationException($"Suspense inbox credit {credit.CreditKey} carries no token and reason.");
        return new SuspendedDeposit(new DepositKey(credit.Chain, credit.TransactionId, credit.LogIndex), credit.Asset, detail.Token, credit.Amount,
            credit.Depositor, detail.Reason, detail.ClaimedAccount, credit.CreatedAt);
    }
}
