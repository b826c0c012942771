using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Clearing.Actors;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Liquidation;
using Clearing.Grains.Durable;
using Clearing.Grains.Events;
using Clearing.Grains.Risk;
using Clearing.Persistence.Ledger;

namespace Clearing.Grains.Accounts;

/// <summary>
/// The account's side of liquidation and isolated margin. Scanners propose, the account decides: a
/// <see cref="PlanLiquidationAsync"/> re-checks with the Domain's health on the committed state and plans with
/// <see cref="LiquidationPlanner"/>; the accepted plan's bookkeeping is one commit. Ledger (per (chain, asset), each
/// journal transaction sums to zero):
/// <list type="bullet">
/// <item>closed position: pool ±realized PnL, <c>backstop</c> ∓ (the backstop takes the position at the mark);</item>
/// <item>seizure: pool −units, <c>liquidations:&lt;chain&gt;</c> +units (reserved until the chain's payout ends); in the
/// settlement asset the backstop pays the seized value: <c>backstop</c> −value, pool +credit;</item>
/// <item>fees (closed notional × penalty, seized value − credit): <c>liquidator</c> +its share, <c>insurance:incoming</c>
/// +the rest (the fund takes it in when the liquidation completes);</item>
/// <item>bankruptcy: pool +loss (back to zero), <c>bankruptcy</c> −loss (absorbed later by the fund, or socialized).</item>
/// </list>
/// A seizure paid: <c>liquidations:&lt;chain&gt;</c> −units, <c>vault:&lt;chain&gt;</c> +units (left custody). Failed:
/// everything booked for it is reversed (units and credit back, fees and value returned).
/// </summary>
public sealed partial class MarginAccountGrain
{
    private string PoolLedgerAccount(string pool) =>
        pool == MarginPools.Cross ? LedgerAccounts.Margin(AccountId) : LedgerAccounts.Isolated(AccountId, pool);

    public async Task<LiquidationPlanResult> PlanLiquidationAsync(PlanLiquidation command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.LiquidationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.PlanId);
        ArgumentOutOfRangeException.ThrowIfNegative(command.InsuranceFundUnits);
        await AbsorbCreditedDepositsAsync();
        if (State.RecentPlans.FirstOrDefault(p => p.PlanId == command.PlanId) is { } earlier)
        {
            // Applied before: the liquidated account would refuse it now, but the plan stands and the router needs it.
            return earlier with { Replayed = true };
        }

        var configuration = risk.Current;
        var context = configuration.ContextAt(Clock.GetUtcNow());
        var settlement = context.Settlement;
        var excluded = command.Excluded.Select(c => new AssetKey(new ChainId(c.Chain), c.Asset)).ToHashSet();
        var candidates = command.AdlCandidates
            .Where(c => c.AccountId != AccountId)
            .Select(c => new AdlCandidate(c.AccountId, c.Market, c.Size, c.EntryPrice, c.AccountValue))
            .ToList();
        var insuranceUnits = command.InsuranceFundUnits;
        var refusals = new List<string>();
        var next = State;
        var entries = new List<JournalEntry>();
        var seizures = new List<SeizureReservation>();
        var pools = new List<PoolLiquidationPlan>();
        foreach (var poolName in State.Isolated.Select(i => i.Market).Prepend(MarginPools.Cross))
        {
            var pool = State.PoolOf(AccountId, poolName);
            var health = HealthCalculator.Compute(pool, context);
            if (!health.IsLiquidatable)
            {
                refusals.Add($"{poolName}: maintenance health {health.MaintHealth} USD is not below 0");
                continue;
            }

            if (configuration.LiquidationBlocker(pool, context) is { } blocker)
            {
                refusals.Add($"{poolName}: {blocker}");
                continue;
            }

            // Collateral whose seizure failed in this liquidation is left out of the plan (routed to other collateral).
            var withheld = pool.Balances.Where(b => excluded.Contains(b.Key)).ToList();
            var plannable = withheld.Aggregate(pool, (p, b) => p.WithBalance(b.Key, 0));
            if (LiquidationPlanner.Plan(plannable, context, configuration.Liquidation, insuranceUnits, candidates) is not { } plan)
            {
                refusals.Add($"{poolName}: nothing to liquidate without the excluded collateral");
                continue;
            }

            var after = withheld.Aggregate(LiquidationPlanner.Apply(plannable, context, plan), (p, b) => p.AddToBalance(b.Key, b.Units));
            insuranceUnits -= plan.Bankruptcy?.InsuranceUnits ?? 0;
            next = next.WithPool(poolName, after);
            pools.Add(Book(poolName, plan, settlement, command, seizures, entries));
        }

        if (pools.Count == 0)
        {
            // A refusal changes nothing and consumes no key: the router asks again under the same id later.
            return new LiquidationPlanResult(command.PlanId, false, string.Join("; ", refusals), settlement.Chain.Name, settlement.Asset, []);
        }

        var key = IdempotencyKeys.LiquidationPlan(AccountId, command.PlanId);
        var decision = new LiquidationPlanResult(command.PlanId, true, null, settlement.Chain.Name, settlement.Asset, pools);
        next = next with
        {
            Seizures = [.. State.Seizures, .. seizures],
            RecentPlans = [.. State.RecentPlans.Append(decision).TakeLast(MarginAccountState.PlanHistoryLength)],
        };
        var nonZero = entries.Where(e => !e.Amount.IsZero).ToList();
        var (result, replayed) = await CommitCommandAsync(key, decision, new CommandEffects<MarginAccountState>(next)
        {
            Journal = nonZero.Count == 0 ? [] : [new JournalTransaction(key, Clock.GetUtcNow(), nonZero)],
        });
        return replayed ? result with { Replayed = true } : result;
    }

    /// <summary>Journal entries and seizure reservations of one pool's plan; the plan as the router sees it.</summary>
    private PoolLiquidationPlan Book(string poolName, LiquidationPlan plan, AssetKey settlement, PlanLiquidation command, List<SeizureReservation> seizures, List<JournalEntry> entries)
    {
        var ledger = PoolLedgerAccount(poolName);
        var settlementChain = settlement.Chain.Name;
        void Settle(string account, Int128 units, string kind) =>
            entries.Add(new JournalEntry(account, settlementChain, settlement.Asset, (BigInteger)units, kind));
        void Fees(LiquidationAction action)
        {
            Settle(ledger, -action.FeeUnits, "liquidation-fee");
            Settle(LedgerAccounts.Liquidator, action.LiquidatorFeeUnits, "liquidation-fee");
            Settle(LedgerAccounts.InsuranceIncoming, action.InsuranceFeeUnits, "liquidation-fee");
        }

        var reduces = new List<PlannedReduce>();
        var planned = new List<PlannedSeizure>();
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case ReducePosition reduce:
                    Settle(ledger, reduce.RealizedUnits, "liquidation-close");
                    Settle(LedgerAccounts.Backstop, -reduce.RealizedUnits, "liquidation-close");
                    Fees(reduce);
                    reduces.Add(new PlannedReduce(reduce.Market, reduce.SizeClosed, reduce.Price, reduce.RealizedUnits, reduce.LiquidatorFeeUnits, reduce.InsuranceFeeUnits));
                    break;
                case SeizeCollateral seize:
                    var decisionId = $"seize:{command.PlanId}:{seizures.Count}";
                    var chain = seize.Collateral.Chain.Name;
                    entries.Add(new JournalEntry(ledger, chain, seize.Collateral.Asset, -(BigInteger)seize.Units, "liquidation-seize"));
                    entries.Add(new JournalEntry(LedgerAccounts.LiquidationsInFlight(chain), chain, seize.Collateral.Asset, (BigInteger)seize.Units, "liquidation-seize"));
                    Settle(LedgerAccounts.Backstop, -seize.ValueUnits, "liquidation-seize");
                    Settle(ledger, seize.CreditUnits, "liquidation-seize");
                    Settle(LedgerAccounts.Liquidator, seize.LiquidatorFeeUnits, "liquidation-fee");
                    Settle(LedgerAccounts.InsuranceIncoming, seize.InsuranceFeeUnits, "liquidation-fee");
                    seizures.Add(new SeizureReservation(decisionId, command.LiquidationId, poolName, chain, seize.Collateral.Asset, seize.Units,
                        seize.ValueUnits, seize.CreditUnits, seize.LiquidatorFeeUnits, seize.InsuranceFeeUnits));
                    planned.Add(new PlannedSeizure(decisionId, chain, seize.Collateral.Asset, seize.Units, seize.ValueUnits, seize.CreditUnits, seize.LiquidatorFeeUnits, seize.InsuranceFeeUnits));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown liquidation action {action.GetType().Name}.");
            }
        }

        PlannedBankruptcy? bankruptcy = null;
        if (plan.Bankruptcy is { } loss)
        {
            Settle(ledger, loss.LossUnits, "bankruptcy");
            Settle(LedgerAccounts.Bankruptcy, -loss.LossUnits, "bankruptcy");
            bankruptcy = new PlannedBankruptcy(loss.LossUnits, loss.InsuranceUnits,
                [.. loss.Socialized.Select(s => new SocializedShare(s.AccountId, s.Market, s.Units))], loss.UnallocatedUnits);
        }

        return new PoolLiquidationPlan(poolName, plan.MaintHealthBefore, plan.LiquidationEndHealthAfter, reduces, planned,
            plan.LiquidatorFeeUnits, plan.InsuranceFeeUnits, bankruptcy);
    }

    public async Task<SeizureResultApplied> ApplyLiquidationResultAsync(ApplySeizureResult command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.DecisionId);
        await AbsorbCreditedDepositsAsync();
        var key = IdempotencyKeys.SeizureResult(command.DecisionId);
        var seizure = State.Seizures.FirstOrDefault(s => s.DecisionId == command.DecisionId);
        if (seizure is null)
        {
            var (stored, wasApplied) = await CommitCommandAsync(key,
                new SeizureResultApplied(command.DecisionId, false, command.Paid, $"account {AccountId} holds no seizure for {command.DecisionId}"),
                CommandEffects<MarginAccountState>.None);
            return wasApplied ? stored with { Replayed = true } : stored;
        }

        var settlement = risk.Current.Settlement;
        var units = (BigInteger)seizure.Units;
        var remaining = State.Seizures.Where(s => s.DecisionId != command.DecisionId).ToList();
        var entries = new List<JournalEntry>
        {
            new(LedgerAccounts.LiquidationsInFlight(seizure.Chain), seizure.Chain, seizure.Asset, -units, command.Paid ? "liquidation-paid" : "liquidation-returned"),
        };
        MarginAccountState next;
        if (command.Paid)
        {
            // The seized units left the vault to the liquidation receiver.
            entries.Add(new JournalEntry(LedgerAccounts.Vault(seizure.Chain), seizure.Chain, seizure.Asset, units, "liquidation-paid"));
            next = State with { Seizures = remaining };
        }
        else
        {
            // Not seized: the units come back, and so does everything booked for them.
            var ledger = PoolLedgerAccount(seizure.Pool);
            void Settle(string account, Int128 amount) =>
                entries.Add(new JournalEntry(account, settlement.Chain.Name, settlement.Asset, (BigInteger)amount, "liquidation-returned"));
            entries.Add(new JournalEntry(ledger, seizure.Chain, seizure.Asset, units, "liquidation-returned"));
            Settle(ledger, -seizure.CreditUnits);
            Settle(LedgerAccounts.Backstop, seizure.ValueUnits);
            Settle(LedgerAccounts.Liquidator, -seizure.LiquidatorFeeUnits);
            Settle(LedgerAccounts.InsuranceIncoming, -seizure.InsuranceFeeUnits);
            var pool = State.PoolOf(AccountId, seizure.Pool)
                .AddToBalance(new AssetKey(new ChainId(seizure.Chain), seizure.Asset), seizure.Units)
                .AddToBalance(settlement, -seizure.CreditUnits);
            next = State.WithPool(seizure.Pool, pool) with { Seizures = remaining };
        }

        var nonZero = entries.Where(e => !e.Amount.IsZero).ToList();
        var (result, replayed) = await CommitCommandAsync(key, new SeizureResultApplied(command.DecisionId, true, command.Paid, null),
            new CommandEffects<MarginAccountState>(next) { Journal = [new JournalTransaction(key, Clock.GetUtcNow(), nonZero)] });
        return replayed ? result with { Replayed = true } : result;
    }

    public async Task<IsolatedMoveResult> MoveIsolatedCollateralAsync(MoveIsolatedCollateral command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.CommandId);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.Market);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(command.Units);
        await AbsorbCreditedDepositsAsync();
        var key = IdempotencyKeys.IsolatedMove(AccountId, command.CommandId);
        var configuration = risk.Current;
        var context = configuration.ContextAt(Clock.GetUtcNow());
        var (from, to) = command.IntoIsolated ? (MarginPools.Cross, command.Market) : (command.Market, MarginPools.Cross);
        var assetKey = new AssetKey(new ChainId(command.Chain), command.Asset);
        IsolatedMoveResult decision;
        var effects = CommandEffects<MarginAccountState>.None;
        if (!configuration.IsolatedMarkets.Contains(command.Market))
        {
            decision = new IsolatedMoveResult(command.CommandId, false, $"{command.Market} is not an isolated market");
        }
        else if (!configuration.IsCollateral(command.Chain, command.Asset))
        {
            decision = new IsolatedMoveResult(command.CommandId, false, $"{command.Asset} on {command.Chain} is not an asset of this clearing house");
        }
        else
        {
            var source = State.PoolOf(AccountId, from);
            var available = source.BalanceOf(assetKey);
            var sourceAfter = source.AddToBalance(assetKey, -command.Units);
            var initAfter = HealthCalculator.Compute(sourceAfter, context).InitHealth;
            if (command.Units > available)
            {
                decision = new IsolatedMoveResult(command.CommandId, false, $"{from} holds {available} base units of {assetKey}, less than {command.Units}");
            }
            else if (initAfter.IsNegative)
            {
                decision = new IsolatedMoveResult(command.CommandId, false, $"initial health of {from} would be {initAfter} USD (< 0)");
            }
            else
            {
                decision = new IsolatedMoveResult(command.CommandId, true, null);
                var target = State.PoolOf(AccountId, to).AddToBalance(assetKey, command.Units);
                effects = new CommandEffects<MarginAccountState>(State.WithPool(from, sourceAfter).WithPool(to, target))
                {
                    Journal =
                    [
                        new JournalTransaction(key, Clock.GetUtcNow(),
                        [
                            new JournalEntry(PoolLedgerAccount(from), command.Chain, command.Asset, -(BigInteger)command.Units, "isolated-move"),
                            new JournalEntry(PoolLedgerAccount(to), command.Chain, command.Asset, (BigInteger)command.Units, "isolated-move"),
                        ]),
                    ],
                };
            }
        }

        var (result, replayed) = await CommitCommandAsync(key, decision, effects);
        return replayed ? result with { Replayed = true } : result;
    }

    /// <summary>
    /// Sends the committed state to the risk book. A failure here must not fail the command (it has committed): the
    /// book gets the account's whole state again with its next commit, and rebuilds from the database when it activates.
    /// </summary>
    protected override async Task OnStateCommittedAsync(long version, string stateJson)
    {
        try
        {
            await GrainFactory.GetGrain<INettingGrain>(NettingGrainKey.Book)
                .UpdateAccountAsync(new AccountExposure(AccountId, version, stateJson));
        }
        catch (Exception failure) when (failure is not OutOfMemoryException)
        {
            Trace.TraceWarning($"margin-account/{AccountId}: the risk book did not take version {version}: {failure.Message}");
        }
    }

    private void Publish(string kind, params (string Key, string Value)[] data) =>
        AccountEventPublishing.Publish(events, AccountId, kind, Clock.GetUtcNow(), data);

    private static string Units(Int128 units) => units.ToString(CultureInfo.InvariantCulture);
}
