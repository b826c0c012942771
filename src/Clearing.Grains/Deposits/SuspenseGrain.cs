using Clearing.Actors;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Deposits;

public sealed record SuspenseState
{
    public IReadOnlyList<SuspendedDeposit> Held { get; init; } = [];
}

/// <summary>The suspense account of one chain: holds what cannot be credited to a margin account, journaled, keyed like a credit.</summary>
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

    public Task<IReadOnlyList<SuspendedDeposit>> GetHeldAsync() => Task.FromResult(State.Held);
}
