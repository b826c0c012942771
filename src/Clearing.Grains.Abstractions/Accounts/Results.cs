using System.Numerics;
using System.Text.Json.Serialization;
using Clearing.Chains;
using Clearing.Domain.Numerics;
using Clearing.Grains.Serialization;

namespace Clearing.Grains.Accounts;

/// <summary>
/// A deposit's credit: the ledger account it went to (<c>account:&lt;id&gt;</c> or <c>suspense:&lt;chain&gt;</c>) and the
/// amount. <paramref name="Replayed"/>: the key had been credited before; this is that first credit, nothing moved now.
/// </summary>
public sealed record CreditResult(
    DepositKey Key,
    string CreditedTo,
    [property: JsonConverter(typeof(BigIntegerJsonConverter))] BigInteger Amount,
    bool Replayed = false);

/// <summary>
/// Outcome of a withdrawal request. Accepted: the amount is reserved and the outbox holds one <c>withdraw</c> action
/// for <paramref name="DecisionId"/>. Refused: <paramref name="Reason"/> says why, nothing moved.
/// </summary>
public sealed record WithdrawalResult(
    string CommandId,
    bool Accepted,
    string? Reason,
    string? DecisionId,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed InitHealthAfter,
    bool Replayed = false);

/// <summary>Outcome of a trade: accepted and applied, or rejected with the pre-trade check's reason.</summary>
public sealed record TradeResult(
    string CommandId,
    bool Accepted,
    string? Reason,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed InitHealthBefore,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed InitHealthAfter,
    bool Replayed = false);

/// <summary>
/// A withdrawal's end: <paramref name="Settled"/> false only for a decision this account holds no reservation for
/// (<paramref name="Reason"/> says so). <paramref name="Paid"/> echoes the outcome applied.
/// </summary>
public sealed record SettlementResult(string DecisionId, bool Settled, bool Paid, string? Reason, bool Replayed = false);

/// <summary>
/// Funding settled for one market up to <paramref name="Index"/>: <paramref name="SettledUnits"/> of the settlement
/// asset added to the balance (negative: the account paid). Zero when there was no position or nothing accrued.
/// </summary>
public sealed record FundingResult(
    string Market,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed Index,
    Int128 SettledUnits,
    bool Replayed = false);
