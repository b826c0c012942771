using System.Text.Json.Serialization;
using Clearing.Chains;
using Clearing.Domain.Numerics;
using Clearing.Grains.Serialization;

namespace Clearing.Grains.Accounts;

/// <summary>
/// Credit of a finalized deposit of <paramref name="Units"/> base units of <paramref name="Asset"/> on the key's chain.
/// Idempotent on <paramref name="Key"/> (chain, tx id, log/instruction index: DESIGN.md §6).
/// </summary>
public sealed record CreditDeposit(DepositKey Key, string Asset, Int128 Units, ulong Height, string BlockHash, string Depositor);

/// <summary>A deposit seen on chain and not yet final, with the block that holds it.</summary>
public sealed record PendingDepositView(DepositKey Key, string Asset, Int128 Units, ulong Height, string BlockHash);

/// <summary>The whole pending set of one chain for one account (empty: none left).</summary>
public sealed record ReplacePendingDeposits(string Chain, IReadOnlyList<PendingDepositView> Pending);

/// <summary>
/// A withdrawal request. <paramref name="CommandId"/> is the caller's idempotency key for it (unique per account);
/// <paramref name="Destination"/> is the chain address to pay.
/// </summary>
public sealed record RequestWithdrawal(string CommandId, string Chain, string Asset, Int128 Units, string Destination);

/// <summary>A fill to apply: signed size change in base-asset units at a price in USD; <paramref name="CommandId"/> is its idempotency key.</summary>
public sealed record ApplyTrade(
    string CommandId,
    string Market,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed SizeDelta,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed Price);

/// <summary>The final outcome of a withdrawal's outbox action: <paramref name="Paid"/> (confirmed on chain) or failed.</summary>
public sealed record SettleWithdrawal(string DecisionId, bool Paid);
