using System.Text.Json;
using Clearing.Actors;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Grains.Durable;
using Clearing.Grains.Events;
using Clearing.Grains.Risk;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Outbox;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Accounts;

/// <summary>
/// A margin account. Decides with the Domain's pure math on its committed state and the current risk configuration;
/// each command is one durable commit (state + balanced journal + outbox + idempotency key). Refusals are committed
/// too (the key with the refusal as its result), so a retried command always gets its first answer.
/// </summary>
public sealed partial class MarginAccountGrain(
    [PersistentState("account")] IPersistentState<MarginAccountState> state,
    DurableUnitOfWork unitOfWork,
    IRiskConfigurationProvider risk,
    TimeProvider clock,
    IAccountEventSink? events = null)
    : DurableGrain<MarginAccountState>(state, unitOfWork, clock), IMarginAccountGrain
{
    /// <summary>The outbox kind of a withdrawal payout.</summary>
    public const string WithdrawKind = "withdraw";

    private string AccountId => this.GetPrimaryKeyString();

    public async Task<CreditResult> CreditDepositAsync(CreditDeposit command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(command.Units);
        await AbsorbCreditedDepositsAsync();
        var chain = command.Key.Chain;
        if (!risk.Current.IsCollateral(chain, command.Asset))
        {
            // Not a refusal to record: the deposit's key must stay free so the watcher can hold it in suspense.
            throw new ArgumentException($"{command.Asset} on {chain} is not collateral; such a deposit belongs in suspense.", nameof(command));
        }

        var key = IdempotencyKeys.Credit(command.Key);
        var assetKey = new AssetKey(new ChainId(chain), command.Asset);
        var cross = State.ToCrossPool(AccountId).AddToBalance(assetKey, command.Units);
        var next = State.WithCrossPool(cross) with { Pending = [.. State.Pending.Where(p => p.Key != command.Key)] };
        var journal = new JournalTransaction(key, Clock.GetUtcNow(),
        [
            new JournalEntry(LedgerAccounts.Margin(AccountId), chain, command.Asset, (System.Numerics.BigInteger)command.Units, "deposit"),
            new JournalEntry(LedgerAccounts.Vault(chain), chain, command.Asset, -(System.Numerics.BigInteger)command.Units, "deposit"),
        ]);
        var (result, replayed) = await CommitCommandAsync(key, new CreditResult(command.Key, LedgerAccounts.Margin(AccountId), (System.Numerics.BigInteger)command.Units),
            new CommandEffects<MarginAccountState>(next) { Journal = [journal] });
        if (!replayed)
        {
            Publish(AccountEventKinds.DepositCredited, ("chain", chain), ("asset", command.Asset), ("units", Units(command.Units)), ("transaction", command.Key.TransactionId));
        }

        return replayed ? result with { Replayed = true } : result;
    }

    public async Task ReplacePendingDepositsAsync(ReplacePendingDeposits command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Pending.FirstOrDefault(p => p.Key.Chain != command.Chain) is { } stray)
        {
            throw new ArgumentException($"Pending deposit {stray.Key} is not on chain {command.Chain}.", nameof(command));
        }

        await AbsorbCreditedDepositsAsync();
        var pending = State.Pending.Where(p => p.Key.Chain != command.Chain).Concat(command.Pending)
            .OrderBy(p => p.Key.Chain, StringComparer.Ordinal).ThenBy(p => p.Height).ThenBy(p => p.Key.TransactionId, StringComparer.Ordinal).ThenBy(p => p.Key.Index)
            .ToList();
        if (!pending.SequenceEqual(State.Pending))
        {
            await CommitStateAsync(State with { Pending = pending });
        }
    }

    public async Task<WithdrawalResult> RequestWithdrawalAsync(RequestWithdrawal command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.CommandId);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.Destination);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(command.Units);
        await AbsorbCreditedDepositsAsync();
        var key = IdempotencyKeys.Withdrawal(AccountId, command.CommandId);
        var configuration = risk.Current;
        var context = configuration.ContextAt(Clock.GetUtcNow());
        var cross = State.ToCrossPool(AccountId);
        var before = HealthCalculator.Compute(cross, context);

        WithdrawalResult Refused(string reason, Domain.Numerics.Fixed initAfter) => new(command.CommandId, false, reason, null, initAfter);
        WithdrawalResult decision;
        CommandEffects<MarginAccountState> effects = CommandEffects<MarginAccountState>.None;
        if (!configuration.IsCollateral(command.Chain, command.Asset))
        {
            decision = Refused($"{command.Asset} on {command.Chain} is not an asset of this clearing house", before.InitHealth);
        }
        else
        {
            var assetKey = new AssetKey(new ChainId(command.Chain), command.Asset);
            var available = cross.BalanceOf(assetKey);
            if (command.Units > available)
            {
                decision = Refused($"available balance of {assetKey} is {available} base units, less than {command.Units}", before.InitHealth);
            }
            else
            {
                var afterPool = cross.AddToBalance(assetKey, -command.Units);
                var after = HealthCalculator.Compute(afterPool, context);
                if (after.InitHealth.IsNegative)
                {
                    decision = Refused($"initial health would be {after.InitHealth} USD (< 0)", after.InitHealth);
                }
                else
                {
                    var decisionId = key;
                    decision = new WithdrawalResult(command.CommandId, true, null, decisionId, after.InitHealth);
                    var reservation = new ReservationView(decisionId, command.Chain, command.Asset, command.Units, command.Destination);
                    var payload = JsonSerializer.Serialize(new WithdrawPayload(AccountId, command.Chain, command.Asset, command.Units.ToString(System.Globalization.CultureInfo.InvariantCulture), command.Destination));
                    effects = new CommandEffects<MarginAccountState>(State.WithCrossPool(afterPool) with { Reservations = [.. State.Reservations, reservation] })
                    {
                        Journal =
                        [
                            new JournalTransaction(key, Clock.GetUtcNow(),
                            [
                                new JournalEntry(LedgerAccounts.Margin(AccountId), command.Chain, command.Asset, -(System.Numerics.BigInteger)command.Units, "withdrawal-reserve"),
                                new JournalEntry(LedgerAccounts.WithdrawalsInFlight(command.Chain), command.Chain, command.Asset, (System.Numerics.BigInteger)command.Units, "withdrawal-reserve"),
                            ]),
                        ],
                        Outbox = [new PlannedAction(decisionId, command.Chain, WithdrawKind, payload)],
                    };
                }
            }
        }

        var (result, replayed) = await CommitCommandAsync(key, decision, effects);
        if (!replayed && result.Accepted)
        {
            Publish(AccountEventKinds.WithdrawalRequested, ("decisionId", result.DecisionId!), ("chain", command.Chain), ("asset", command.Asset), ("units", Units(command.Units)), ("destination", command.Destination));
        }

        return replayed ? result with { Replayed = true } : result;
    }

    public async Task<SettlementResult> SettleWithdrawalAsync(SettleWithdrawal command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.DecisionId);
        await AbsorbCreditedDepositsAsync();
        var key = IdempotencyKeys.Settlement(command.DecisionId);
        var reservation = State.Reservations.FirstOrDefault(r => r.DecisionId == command.DecisionId);
        if (reservation is null)
        {
            // Settled before (the commit answers with that first result) or never reserved here (recorded as such).
            var (stored, wasSettled) = await CommitCommandAsync(key, new SettlementResult(command.DecisionId, false, command.Paid, $"account {AccountId} holds no reservation for {command.DecisionId}"), CommandEffects<MarginAccountState>.None);
            return wasSettled ? stored with { Replayed = true } : stored;
        }

        var chain = reservation.Chain;
        var units = (System.Numerics.BigInteger)reservation.Units;
        var remaining = State.Reservations.Where(r => r.DecisionId != command.DecisionId).ToList();
        var next = command.Paid
            ? State with { Reservations = remaining }
            : State.WithCrossPool(State.ToCrossPool(AccountId).AddToBalance(new AssetKey(new ChainId(chain), reservation.Asset), reservation.Units)) with { Reservations = remaining };
        // Paid: the reserved value leaves the vault's custody. Failed: it goes back to the account.
        var counterpart = command.Paid ? LedgerAccounts.Vault(chain) : LedgerAccounts.Margin(AccountId);
        var journal = new JournalTransaction(key, Clock.GetUtcNow(),
        [
            new JournalEntry(LedgerAccounts.WithdrawalsInFlight(chain), chain, reservation.Asset, -units, command.Paid ? "withdrawal-paid" : "withdrawal-returned"),
            new JournalEntry(counterpart, chain, reservation.Asset, units, command.Paid ? "withdrawal-paid" : "withdrawal-returned"),
        ]);
        var (result, replayed) = await CommitCommandAsync(key, new SettlementResult(command.DecisionId, true, command.Paid, null),
            new CommandEffects<MarginAccountState>(next) { Journal = [journal] });
        if (!replayed)
        {
            Publish(AccountEventKinds.WithdrawalSettled, ("decisionId", command.DecisionId), ("chain", chain), ("asset", reservation.Asset), ("units", Units(reservation.Units)), ("paid", command.Paid ? "true" : "false"));
        }

        return replayed ? result with { Replayed = true } : result;
    }

    public async Task<TradeResult> ApplyTradeAsync(ApplyTrade command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.CommandId);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.Market);
        await AbsorbCreditedDepositsAsync();
        var key = IdempotencyKeys.Trade(AccountId, command.CommandId);
        var configuration = risk.Current;
        var context = configuration.ContextAt(Clock.GetUtcNow());
        var poolName = PoolOfMarket(configuration, command.Market);
        var cross = State.PoolOf(AccountId, poolName);
        var check = HealthCalculator.Compute(cross, context).CheckOrder(new Order(command.Market, command.SizeDelta, command.Price));
        var decision = new TradeResult(command.CommandId, check.Accepted, check.Reason, check.InitHealthBefore, check.InitHealthAfter);
        var effects = CommandEffects<MarginAccountState>.None;
        if (check.Accepted)
        {
            var filled = Trading.ApplyFill(cross, context, command.Market, command.SizeDelta, command.Price);
            var entries = SettlementWithMarket(poolName, command.Market, BalanceChanges(cross, filled), "trade-settlement");
            effects = new CommandEffects<MarginAccountState>(State.WithPool(poolName, filled))
            {
                Journal = entries.Count == 0 ? [] : [new JournalTransaction(key, Clock.GetUtcNow(), entries)],
            };
        }

        var (result, replayed) = await CommitCommandAsync(key, decision, effects);
        if (!replayed && result.Accepted)
        {
            Publish(AccountEventKinds.TradeApplied, ("commandId", command.CommandId), ("market", command.Market), ("sizeDelta", command.SizeDelta.ToString()), ("price", command.Price.ToString()), ("pool", poolName));
        }

        return replayed ? result with { Replayed = true } : result;
    }

    public async Task<FundingResult> SettleFundingAsync(string market)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(market);
        await AbsorbCreditedDepositsAsync();
        var configuration = risk.Current;
        var context = configuration.ContextAt(Clock.GetUtcNow());
        var index = context.MarketStateFor(market).CumulativeFundingIndex;
        var poolName = PoolOfMarket(configuration, market);
        var cross = State.PoolOf(AccountId, poolName);
        if (cross.PositionIn(market) is not { } position || position.LastFundingIndex == index)
        {
            return new FundingResult(market, index, 0);
        }

        var key = IdempotencyKeys.Funding(AccountId, market, index.ToString());
        var settled = Trading.SettleFunding(cross, context, market);
        var changes = BalanceChanges(cross, settled).ToList();
        var entries = SettlementWithMarket(poolName, market, changes, "funding");
        var settledUnits = changes.Aggregate(Int128.Zero, (sum, change) => sum + change.Delta);
        var (result, replayed) = await CommitCommandAsync(key, new FundingResult(market, index, settledUnits),
            new CommandEffects<MarginAccountState>(State.WithPool(poolName, settled))
            {
                Journal = entries.Count == 0 ? [] : [new JournalTransaction(key, Clock.GetUtcNow(), entries)],
            });
        return replayed ? result with { Replayed = true } : result;
    }

    public async Task<AccountSnapshot> GetSnapshotAsync()
    {
        await AbsorbCreditedDepositsAsync();
        var context = risk.Current.ContextAt(Clock.GetUtcNow());
        var health = HealthCalculator.Compute(State.ToCrossPool(AccountId), context);
        return new AccountSnapshot(
            AccountId,
            State.Balances,
            [.. State.Reservations, .. State.Seizures.Select(s => new ReservationView(s.DecisionId, s.Chain, s.Asset, s.Units, $"liquidation {s.LiquidationId}"))],
            State.Pending,
            State.Positions,
            View(health),
            [.. State.Isolated.Select(i => new IsolatedPoolView(i.Market, i.Balances, i.Positions, View(HealthCalculator.Compute(i.ToPool(), context))))],
            // The same two limits RequestWithdrawalAsync applies: the available balance, and initial health staying ≥ 0.
            [.. State.Balances.Select(b => b with
            {
                Units = Int128.Clamp(health.MaxWithdrawable(new AssetKey(new ChainId(b.Chain), b.Asset)), 0, Int128.Max(b.Units, 0)),
            })]);
    }

    private static HealthView View(HealthSnapshot health) =>
        new(health.InitHealth, health.LiquidationEndHealth, health.MaintHealth, health.FreeCollateral, health.CollateralValue, health.IsLiquidatable);

    /// <summary>
    /// The pool that trades <paramref name="market"/>: an isolated market's position is checked, applied and settles its
    /// funding in that market's sub-account alone; every other market in the cross pool.
    /// </summary>
    private static string PoolOfMarket(RiskConfiguration configuration, string market) =>
        configuration.IsolatedMarkets.Contains(market) ? market : MarginPools.Cross;

    /// <summary>The journal of a pool's balance changes settled against <paramref name="market"/>'s clearing counterparty.</summary>
    private List<JournalEntry> SettlementWithMarket(string poolName, string market, IEnumerable<(AssetKey Key, Int128 Delta)> changes, string kind)
    {
        var poolAccount = PoolLedgerAccount(poolName);
        return
        [
            .. changes.SelectMany(change => new[]
            {
                new JournalEntry(poolAccount, change.Key.Chain.Name, change.Key.Asset, (System.Numerics.BigInteger)change.Delta, kind),
                new JournalEntry(LedgerAccounts.Market(market), change.Key.Chain.Name, change.Key.Asset, -(System.Numerics.BigInteger)change.Delta, kind),
            }),
        ];
    }

    /// <summary>Every (chain, asset) whose balance differs between two versions of a pool: what the journal must carry.</summary>
    private static IEnumerable<(AssetKey Key, Int128 Delta)> BalanceChanges(SubAccount before, SubAccount after) =>
        before.Balances.Select(b => b.Key).Union(after.Balances.Select(b => b.Key))
            .Select(key => (key, after.BalanceOf(key) - before.BalanceOf(key)))
            .Where(change => change.Item2 != 0)
            .OrderBy(change => change.key.ToString(), StringComparer.Ordinal);

    /// <summary>What the withdrawal executor needs: amount in base units as decimal text.</summary>
    private sealed record WithdrawPayload(string Account, string Chain, string Asset, string Units, string Destination);
}
