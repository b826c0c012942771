using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Grains.Accounts;

namespace Clearing.Grains.Accounts;

/// <summary>
/// The persisted state of a margin account (JSON; amounts exact: Int128 integers, Fixed as decimal text). Its cross
/// pool is a <see cref="SubAccount"/> of the Domain; reservations and pending deposits are kept beside it.
/// </summary>
public sealed record MarginAccountState
{
    /// <summary>Available balances per (chain, asset), base units; reservations are already taken out.</summary>
    public IReadOnlyList<BalanceView> Balances { get; init; } = [];

    public IReadOnlyList<PositionView> Positions { get; init; } = [];

    public IReadOnlyList<ReservationView> Reservations { get; init; } = [];

    public IReadOnlyList<PendingDepositView> Pending { get; init; } = [];

    /// <summary>Isolated sub-accounts, one per isolated market, each its own pool (ordered by market).</summary>
    public IReadOnlyList<IsolatedPoolState> Isolated { get; init; } = [];

    /// <summary>Collateral seized by liquidations, reserved until its outbox action ends (kept out of the balances).</summary>
    public IReadOnlyList<SeizureReservation> Seizures { get; init; } = [];

    /// <summary>
    /// The last accepted liquidation plans (newest last, at most <see cref="PlanHistoryLength"/>), so that a plan sent
    /// again gets its first answer even though the account, liquidated, would now refuse it.
    /// </summary>
    public IReadOnlyList<LiquidationPlanResult> RecentPlans { get; init; } = [];

    public const int PlanHistoryLength = 16;

    /// <summary>The liquidations with a seizure still in flight: the risk book resumes them after a restart.</summary>
    public IEnumerable<string> OpenLiquidations() => Seizures.Select(s => s.LiquidationId).Distinct(StringComparer.Ordinal);

    /// <summary>The whole account as the Domain sees it: the cross pool and each isolated sub-account (id = its market).</summary>
    public MarginAccount ToMarginAccount(string accountId) => new(
        accountId,
        ToCrossPool(accountId),
        [.. Isolated.Select(i => i.ToPool())]);

    /// <summary>The pool named <paramref name="pool"/> (<see cref="MarginPools.Cross"/> or an isolated market); an isolated one not held yet is empty.</summary>
    public SubAccount PoolOf(string accountId, string pool) => pool == MarginPools.Cross
        ? ToCrossPool(accountId)
        : Isolated.FirstOrDefault(i => i.Market == pool)?.ToPool() ?? new SubAccount(pool);

    /// <summary>This state with pool <paramref name="pool"/> replaced by <paramref name="value"/> (an empty isolated pool is dropped).</summary>
    public MarginAccountState WithPool(string pool, SubAccount value)
    {
        if (pool == MarginPools.Cross)
        {
            return WithCrossPool(value);
        }

        var others = Isolated.Where(i => i.Market != pool);
        var replaced = IsolatedPoolState.From(pool, value);
        return this with
        {
            Isolated = [.. (replaced.IsEmpty ? others : others.Append(replaced)).OrderBy(i => i.Market, StringComparer.Ordinal)],
        };
    }

    /// <summary>The cross pool as the Domain sees it (pending deposits included: visible, worth zero).</summary>
    public SubAccount ToCrossPool(string accountId) => new(
        accountId,
        [.. Balances.Select(b => new Balance(new AssetKey(new ChainId(b.Chain), b.Asset), b.Units))],
        [.. Positions.Select(p => new PerpPosition(p.Market, p.Size, p.EntryPrice, p.LastFundingIndex))],
        [.. Pending.Select(p => new PendingDeposit(new AssetKey(new ChainId(p.Key.Chain), p.Asset), p.Units, p.Key.TransactionId))]);

    /// <summary>This state with the balances and positions of <paramref name="cross"/> (in a stable order).</summary>
    public MarginAccountState WithCrossPool(SubAccount cross) => this with
    {
        Balances = [.. cross.Balances
            .Select(b => new BalanceView(b.Key.Chain.Name, b.Key.Asset, b.Units))
            .OrderBy(b => b.Chain, StringComparer.Ordinal).ThenBy(b => b.Asset, StringComparer.Ordinal)],
        Positions = [.. cross.Positions
            .Select(p => new PositionView(p.Market, p.Size, p.EntryPrice, p.LastFundingIndex))
            .OrderBy(p => p.Market, StringComparer.Ordinal)],
    };
}

/// <summary>An isolated sub-account: the collateral moved into it and its position in <see cref="Market"/>.</summary>
public sealed record IsolatedPoolState(string Market, IReadOnlyList<BalanceView> Balances, IReadOnlyList<PositionView> Positions)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => Balances.Count == 0 && Positions.Count == 0;

    public SubAccount ToPool() => new(
        Market,
        [.. Balances.Select(b => new Balance(new AssetKey(new ChainId(b.Chain), b.Asset), b.Units))],
        [.. Positions.Select(p => new PerpPosition(p.Market, p.Size, p.EntryPrice, p.LastFundingIndex))],
        []);

    public static IsolatedPoolState From(string market, SubAccount pool) => new(
        market,
        [.. pool.Balances.Select(b => new BalanceView(b.Key.Chain.Name, b.Key.Asset, b.Units))
            .OrderBy(b => b.Chain, StringComparer.Ordinal).ThenBy(b => b.Asset, StringComparer.Ordinal)],
        [.. pool.Positions.Select(p => new PositionView(p.Market, p.Size, p.EntryPrice, p.LastFundingIndex))
            .OrderBy(p => p.Market, StringComparer.Ordinal)]);
}

/// <summary>
/// Collateral a liquidation reserved for seizure under outbox decision <see cref="DecisionId"/>, with what was booked for
/// it (value paid by the backstop, credit to the pool's settlement balance, fees), so that a failed seizure is undone exactly.
/// </summary>
public sealed record SeizureReservation(
    string DecisionId,
    string LiquidationId,
    string Pool,
    string Chain,
    string Asset,
    Int128 Units,
    Int128 ValueUnits,
    Int128 CreditUnits,
    Int128 LiquidatorFeeUnits,
    Int128 InsuranceFeeUnits);
