using System.Globalization;
using System.Text.Json;
using Clearing.Actors;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Grains.Events;
using Clearing.Persistence.Outbox;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Risk;

/// <summary>
/// The liquidations of one account (key = the account id). A proposal asks the account to re-check and plan; the
/// accepted plan is recorded with one <c>seize</c> outbox action per seizure, addressed to the chain that holds that
/// collateral, in one commit (state + outbox + idempotency key <c>route:&lt;plan id&gt;</c>). The chains' workers report
/// each action's end (<see cref="SettleSeizureAsync"/>): the account applies it first, then the router records it, so a
/// crash in between is repaired by the worker's retry (both are idempotent on the decision id). A failed seizure is
/// re-routed: the account plans again without that collateral (a new round of the same liquidation). When no seizure is
/// in flight and no re-plan is owed, the insurance fund takes the liquidation's fees and loss and it is completed.
/// </summary>
/// <remarks>
/// Order of commits for a new liquidation: the account's plan (key <c>liquidate:&lt;account&gt;:&lt;plan id&gt;</c>), then the
/// router's record. A crash between them leaves the account with seizures in flight that no router follows; the risk
/// book proposes such an account again, and the router, still at the same sequence, asks for the same plan id, which
/// the account answers with the plan it applied.
/// </remarks>
public sealed class LiquidationRouterGrain(
    [PersistentState("router")] IPersistentState<LiquidationRouterState> state,
    DurableUnitOfWork unitOfWork,
    IRiskConfigurationProvider risk,
    TimeProvider clock,
    IAccountEventSink? events = null)
    : DurableGrain<LiquidationRouterState>(state, unitOfWork, clock), ILiquidationRouterGrain
{
    private string AccountId => this.GetPrimaryKeyString();

    private IMarginAccountGrain Account => GrainFactory.GetGrain<IMarginAccountGrain>(AccountId);

    public async Task<RouteResult> RouteAsync(LiquidationProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        if (State.Liquidations.LastOrDefault(l => !l.IsCompleted) is { } running)
        {
            await ResumeAsync(running.Id);
            return new RouteResult(true, running.Id, "a liquidation of this account is already running");
        }

        var liquidationId = $"{AccountId}:{State.Sequence + 1}";
        var plan = await PlanAsync(liquidationId, liquidationId, []);
        if (!plan.Accepted)
        {
            return new RouteResult(false, null, plan.Reason);
        }

        var record = new LiquidationRecord
        {
            Id = liquidationId,
            State = LiquidationStates.Executing,
            PlannedAt = Clock.GetUtcNow(),
            SettlementChain = plan.SettlementChain,
            SettlementAsset = plan.SettlementAsset,
            MaintHealthBefore = plan.Pools.Select(p => p.MaintHealthBefore).Min(),
            LiquidationEndHealthAfter = plan.Pools.Select(p => p.LiquidationEndHealthAfter).Min(),
        };
        record = WithRound(record, plan);
        var next = State with { Sequence = State.Sequence + 1, Liquidations = [.. State.Liquidations, record] };
        var (result, replayed) = await CommitCommandAsync(IdempotencyKeys.Route(liquidationId), new RouteResult(true, liquidationId, null),
            new CommandEffects<LiquidationRouterState>(next) { Outbox = SeizeActions(liquidationId, plan) });
        if (!replayed)
        {
            PublishPlanned(record, plan, proposal.ProposedBy);
        }

        await TryCompleteAsync(liquidationId);
        return result;
    }

    public async Task<SeizureSettlement> SettleSeizureAsync(SettleSeizure command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentException.ThrowIfNullOrWhiteSpace(command.DecisionId);
        var key = IdempotencyKeys.SeizureSettlement(command.DecisionId);
        var record = State.Liquidations.FirstOrDefault(l => l.Steps.Any(s => s.DecisionId == command.DecisionId));
        var step = record?.Steps.First(s => s.DecisionId == command.DecisionId);
        if (record is null || step is null || step.State != LiquidationStates.Executing)
        {
            // Settled before (the key answers with that first result) or never planned here (recorded as such).
            var (stored, wasSettled) = await CommitCommandAsync(key,
                new SeizureSettlement(command.DecisionId, false, $"no seizure {command.DecisionId} is in flight for account {AccountId}"),
                CommandEffects<LiquidationRouterState>.None);
            return wasSettled ? stored with { Replayed = true } : stored;
        }

        // The account first: if this process dies before the record below, the worker's retry finds the account applied.
        var applied = await Account.ApplyLiquidationResultAsync(new ApplySeizureResult(command.DecisionId, command.Paid));
        if (!applied.Applied)
        {
            throw new InvalidOperationException($"Account {AccountId} did not apply seizure {command.DecisionId}: {applied.Reason}");
        }

        var settled = step with
        {
            State = command.Paid ? LiquidationStates.Confirmed : LiquidationStates.Failed,
            Transaction = command.Transaction,
        };
        var updated = record with
        {
            Steps = [.. record.Steps.Select(s => s.DecisionId == command.DecisionId ? settled : s)],
            ReplanOwed = record.ReplanOwed || !command.Paid,
        };
        var (result, replayed) = await CommitCommandAsync(key, new SeizureSettlement(command.DecisionId, true, command.Paid ? null : command.Reason),
            new CommandEffects<LiquidationRouterState>(Replace(updated)));
        if (!replayed)
        {
            Publish(AccountEventKinds.LiquidationSeizureSettled, ("liquidationId", record.Id), ("decisionId", command.DecisionId), ("chain", step.Chain!),
                ("asset", step.Asset!), ("units", step.Amount), ("paid", command.Paid ? "true" : "false"), ("transaction", command.Transaction ?? ""),
                ("reason", command.Reason ?? ""));
        }

        await ResumeAsync(record.Id);
        return replayed ? result with { Replayed = true } : result;
    }

    public Task<IReadOnlyList<LiquidationView>> GetLiquidationsAsync() =>
        Task.FromResult<IReadOnlyList<LiquidationView>>([.. State.Liquidations.Reverse().Select(l => new LiquidationView(
            l.Id,
            l.State,
            l.PlannedAt,
            [.. l.Steps.Select(s => new LiquidationStepView(s.Kind, s.Chain, s.Asset, s.Market, s.Amount, s.State, s.DecisionId, s.Transaction, s.Pool))],
            l.MaintHealthBefore,
            l.LiquidationEndHealthAfter,
            l.Bankrupt))]);

    /// <summary>Carries a running liquidation on: the re-plan it owes, then its completion once nothing is in flight.</summary>
    private async Task ResumeAsync(string liquidationId)
    {
        if (Find(liquidationId) is { ReplanOwed: true } owing)
        {
            await ReplanAsync(owing);
        }

        await TryCompleteAsync(liquidationId);
    }

    /// <summary>A seizure failed: the account plans again without the collateral that could not be seized.</summary>
    private async Task ReplanAsync(LiquidationRecord record)
    {
        var round = record.Rounds + 1;
        var planId = $"{record.Id}/r{round}";
        var excluded = record.Steps
            .Where(s => s is { Kind: "seize", State: LiquidationStates.Failed })
            .Select(s => new CollateralRef(s.Chain!, s.Asset!))
            .Distinct()
            .ToList();
        var plan = await PlanAsync(record.Id, planId, excluded);
        if (!plan.Accepted)
        {
            // Nothing left to do (e.g. the account is healthy again with the units back): the liquidation can end.
            await CommitCommandAsync(IdempotencyKeys.Route(planId), new RouteResult(false, record.Id, plan.Reason),
                new CommandEffects<LiquidationRouterState>(Replace(record with { ReplanOwed = false, Rounds = round })));
            return;
        }

        var updated = WithRound(record with { ReplanOwed = false, Rounds = round }, plan);
        var (_, replayed) = await CommitCommandAsync(IdempotencyKeys.Route(planId), new RouteResult(true, record.Id, null),
            new CommandEffects<LiquidationRouterState>(Replace(updated)) { Outbox = SeizeActions(record.Id, plan) });
        if (!replayed)
        {
            PublishPlanned(updated, plan, "reroute");
        }
    }

    /// <summary>When no seizure is in flight and no re-plan owed: the fund takes fees and loss, then the liquidation is completed.</summary>
    private async Task TryCompleteAsync(string liquidationId)
    {
        if (Find(liquidationId) is not { } record || record.IsCompleted || record.ReplanOwed
            || record.Steps.Any(s => s.State == LiquidationStates.Executing))
        {
            return;
        }

        var fees = record.Steps.Where(s => s.State != LiquidationStates.Failed).Aggregate(Int128.Zero, (sum, s) => sum + s.InsuranceFeeUnits);
        await GrainFactory.GetGrain<IInsuranceFundGrain>(InsuranceFundKey.Fund).SettleLiquidationAsync(
            new InsuranceSettlement(record.Id, AccountId, record.SettlementChain, record.SettlementAsset, fees, record.LossUnits, record.Socialized));
        var (_, replayed) = await CommitCommandAsync(IdempotencyKeys.LiquidationCompleted(record.Id), new RouteResult(true, record.Id, null),
            new CommandEffects<LiquidationRouterState>(Replace(record with { State = LiquidationStates.Completed })));
        if (!replayed)
        {
            Publish(AccountEventKinds.LiquidationCompleted, ("liquidationId", record.Id), ("bankrupt", record.Bankrupt ? "true" : "false"),
                ("lossUnits", record.LossUnits.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private async Task<LiquidationPlanResult> PlanAsync(string liquidationId, string planId, IReadOnlyList<CollateralRef> excluded)
    {
        var settlement = risk.Current.Settlement;
        var fund = await GrainFactory.GetGrain<IInsuranceFundGrain>(InsuranceFundKey.Fund).GetAsync();
        var insuranceUnits = fund.Balances
            .Where(b => b.Chain == settlement.Chain.Name && b.Asset == settlement.Asset)
            .Aggregate(Int128.Zero, (sum, b) => sum + b.Units);
        var candidates = await GrainFactory.GetGrain<INettingGrain>(NettingGrainKey.Book).GetAdlCandidatesAsync(AccountId);
        return await Account.PlanLiquidationAsync(new PlanLiquidation(liquidationId, planId, Int128.Max(insuranceUnits, 0), candidates, excluded));
    }

    /// <summary>The record with one more plan round's steps, loss and planned socialization.</summary>
    private static LiquidationRecord WithRound(LiquidationRecord record, LiquidationPlanResult plan)
    {
        var steps = plan.Pools.SelectMany(pool =>
            pool.Reduces.Select(r => new LiquidationStepRecord("reduce", pool.Pool, null, null, r.Market, r.Size.ToString(), LiquidationStates.Applied, null, null,
                    r.InsuranceFeeUnits))
                .Concat(pool.Seizures.Select(s => new LiquidationStepRecord("seize", pool.Pool, s.Chain, s.Asset, null, s.Units.ToString(CultureInfo.InvariantCulture),
                    LiquidationStates.Executing, s.DecisionId, null, s.InsuranceFeeUnits))));
        var bankruptcies = plan.Pools.Select(p => p.Bankruptcy).OfType<PlannedBankruptcy>().ToList();
        return record with
        {
            Steps = [.. record.Steps, .. steps],
            LiquidationEndHealthAfter = plan.Pools.Select(p => p.LiquidationEndHealthAfter).Min(),
            LossUnits = record.LossUnits + bankruptcies.Aggregate(Int128.Zero, (sum, b) => sum + b.LossUnits),
            Socialized = [.. record.Socialized, .. bankruptcies.SelectMany(b => b.Socialized)],
        };
    }

    private IReadOnlyList<PlannedAction> SeizeActions(string liquidationId, LiquidationPlanResult plan) =>
    [
        .. plan.Pools.SelectMany(pool => pool.Seizures).Select(s => new PlannedAction(
            s.DecisionId,
            s.Chain,
            SeizeAction.Kind,
            JsonSerializer.Serialize(new SeizeAction(AccountId, liquidationId, s.Chain, s.Asset, s.Units.ToString(CultureInfo.InvariantCulture))))),
    ];

    private LiquidationRecord? Find(string liquidationId) => State.Liquidations.FirstOrDefault(l => l.Id == liquidationId);

    private LiquidationRouterState Replace(LiquidationRecord record) =>
        State with { Liquidations = [.. State.Liquidations.Select(l => l.Id == record.Id ? record : l)] };

    private void PublishPlanned(LiquidationRecord record, LiquidationPlanResult plan, string proposedBy) =>
        Publish(AccountEventKinds.LiquidationPlanned, ("liquidationId", record.Id), ("planId", plan.PlanId), ("proposedBy", proposedBy),
            ("seizures", string.Join(",", plan.Pools.SelectMany(p => p.Seizures).Select(s => $"{s.Chain}:{s.Asset}:{s.Units}"))),
            ("reduces", string.Join(",", plan.Pools.SelectMany(p => p.Reduces).Select(r => $"{r.Market}:{r.Size}"))),
            ("bankrupt", plan.Pools.Any(p => p.Bankruptcy is not null) ? "true" : "false"));

    private void Publish(string kind, params (string Key, string Value)[] data) =>
        AccountEventPublishing.Publish(events, AccountId, kind, Clock.GetUtcNow(), data);
}
