using System.Numerics;
using System.Text.Json.Serialization;
using Clearing.Actors;
using Clearing.Domain.Assets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Grains.Serialization;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Risk;

/// <summary>
/// The insurance fund (key <see cref="InsuranceFundKey.Fund"/>), the only writer of ledger account <c>insurance</c>: its
/// balance per (chain, asset) equals that ledger balance. Once per completed liquidation (key
/// <c>insurance:&lt;liquidation id&gt;</c>) it takes in the liquidation's insurance fees (<c>insurance:incoming</c> →
/// <c>insurance</c>), absorbs the bankruptcy loss up to its balance (<c>insurance</c> → <c>bankruptcy</c>) and records the
/// rest as socialized (<c>socialized</c> → <c>bankruptcy</c>) over the opposing positions the Domain ranked (ADL order),
/// each up to the share the plan gave it; what no ranked position covers is recorded as unallocated.
/// </summary>
/// <remarks>
/// The account's planner assumed the fund's balance when it planned; the fund decides with its balance when the
/// liquidation completes, so two liquidations planned at once can never absorb more than the fund holds.
/// </remarks>
public sealed class InsuranceFundGrain(
    [PersistentState("fund")] IPersistentState<InsuranceFundState> state,
    DurableUnitOfWork unitOfWork,
    IRiskConfigurationProvider risk,
    TimeProvider clock)
    : DurableGrain<InsuranceFundState>(state, unitOfWork, clock), IInsuranceFundGrain
{
    /// <summary>The account id recorded for a socialized loss no ranked position could take.</summary>
    public const string Unallocated = "(unallocated)";

    public Task<InsuranceFundView> GetAsync() =>
        Task.FromResult(new InsuranceFundView(State.Balances, State.LossesAbsorbedUsd, State.LossesSocializedUsd));

    public async Task<InsuranceSettlementResult> SettleLiquidationAsync(InsuranceSettlement settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        ArgumentException.ThrowIfNullOrWhiteSpace(settlement.LiquidationId);
        ArgumentOutOfRangeException.ThrowIfNegative(settlement.FeeUnits);
        ArgumentOutOfRangeException.ThrowIfNegative(settlement.LossUnits);
        var key = IdempotencyKeys.InsuranceSettlement(settlement.LiquidationId);
        var held = State.Balances.FirstOrDefault(b => b.Chain == settlement.Chain && b.Asset == settlement.Asset)?.Units ?? 0;
        var available = held + settlement.FeeUnits;
        var absorbed = Int128.Min(settlement.LossUnits, available);
        var socialized = settlement.LossUnits - absorbed;
        var decimals = risk.Current.Collateral.TryGetValue(new AssetKey(new ChainId(settlement.Chain), settlement.Asset), out var parameters)
            ? parameters.Decimals
            : throw new InvalidOperationException($"{settlement.Asset} on {settlement.Chain} is not an asset of this clearing house.");

        var entries = new List<JournalEntry>();
        void Entry(string account, Int128 units, string kind)
        {
            if (units != 0)
            {
                entries.Add(new JournalEntry(account, settlement.Chain, settlement.Asset, (BigInteger)units, kind));
            }
        }

        Entry(LedgerAccounts.InsuranceIncoming, -settlement.FeeUnits, "insurance-fee");
        Entry(LedgerAccounts.Insurance, settlement.FeeUnits - absorbed, "insurance-net");
        Entry(LedgerAccounts.Bankruptcy, settlement.LossUnits, "bankruptcy-absorbed");
        Entry(LedgerAccounts.Socialized, -socialized, "bankruptcy-socialized");

        var shares = new List<SocializedRecord>();
        var remaining = socialized;
        foreach (var share in settlement.Socialized)
        {
            if (remaining == 0)
            {
                break;
            }

            var units = Int128.Min(remaining, share.Units);
            shares.Add(new SocializedRecord(settlement.LiquidationId, share.AccountId, share.Market, units));
            remaining -= units;
        }

        if (remaining > 0)
        {
            shares.Add(new SocializedRecord(settlement.LiquidationId, Unallocated, "", remaining));
        }

        var balances = State.Balances
            .Where(b => b.Chain != settlement.Chain || b.Asset != settlement.Asset)
            .Append(new InsuranceBalanceView(settlement.Chain, settlement.Asset, available - absorbed))
            .OrderBy(b => b.Chain, StringComparer.Ordinal).ThenBy(b => b.Asset, StringComparer.Ordinal)
            .ToList();
        var next = State with
        {
            Balances = balances,
            LossesAbsorbedUsd = State.LossesAbsorbedUsd + Fixed.FromScaled(absorbed, decimals),
            LossesSocializedUsd = State.LossesSocializedUsd + Fixed.FromScaled(socialized, decimals),
            Socialized = [.. State.Socialized, .. shares],
        };
        var (result, replayed) = await CommitCommandAsync(key, new InsuranceSettlementResult(settlement.LiquidationId, settlement.FeeUnits, absorbed, socialized),
            new CommandEffects<InsuranceFundState>(next)
            {
                Journal = entries.Count == 0 ? [] : [new JournalTransaction(key, Clock.GetUtcNow(), entries)],
            });
        return replayed ? result with { Replayed = true } : result;
    }
}

/// <summary>The fund's persisted state: balances per (chain, asset) in base units, losses absorbed and socialized (USD).</summary>
public sealed record InsuranceFundState
{
    public IReadOnlyList<InsuranceBalanceView> Balances { get; init; } = [];

    [JsonConverter(typeof(FixedJsonConverter))]
    public Fixed LossesAbsorbedUsd { get; init; }

    [JsonConverter(typeof(FixedJsonConverter))]
    public Fixed LossesSocializedUsd { get; init; }

    /// <summary>Every socialized share: which liquidation, which opposing position (account, market), how many base units.</summary>
    public IReadOnlyList<SocializedRecord> Socialized { get; init; } = [];
}

public sealed record SocializedRecord(string LiquidationId, string AccountId, string Market, Int128 Units);
