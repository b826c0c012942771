using System.Text.Json.Serialization;
using Clearing.Domain.Numerics;
using Clearing.Grains.Serialization;

namespace Clearing.Grains.Accounts;

/// <summary>
/// An account as it stands: what it holds, what is reserved or pending, its positions and health (USD), and
/// <paramref name="Withdrawable"/>: per (chain, asset) of the cross pool, the most a withdrawal may take now.
/// </summary>
public sealed record AccountSnapshot(
    string AccountId,
    IReadOnlyList<BalanceView> Balances,
    IReadOnlyList<ReservationView> Reservations,
    IReadOnlyList<PendingDepositView> Pending,
    IReadOnlyList<PositionView> Positions,
    HealthView Health,
    IReadOnlyList<IsolatedPoolView>? Isolated = null,
    IReadOnlyList<BalanceView>? Withdrawable = null);

/// <summary>Available balance (reservations already taken out), in base units.</summary>
public sealed record BalanceView(string Chain, string Asset, Int128 Units);

/// <summary>An amount taken out of the balance for a withdrawal whose outbox action has not finished.</summary>
public sealed record ReservationView(string DecisionId, string Chain, string Asset, Int128 Units, string Destination);

public sealed record PositionView(
    string Market,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed Size,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed EntryPrice,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed LastFundingIndex);

/// <summary>The cross pool's three healths, free collateral (initial health floored at 0) and collateral value, in USD.</summary>
public sealed record HealthView(
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed Initial,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed LiquidationEnd,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed Maintenance,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed FreeCollateral,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed CollateralValue,
    bool IsLiquidatable);
