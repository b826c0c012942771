using System.Numerics;
using System.Text.Json.Serialization;
using Clearing.Actors;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Serialization;

namespace Clearing.Grains.Deposits;

/// <summary>
/// The suspense account of one chain (key = the chain name): final deposits that cannot be credited to a margin
/// account — no valid account id, an asset that is not collateral there, an amount outside the ledger's range — are
/// held here with the reason, journaled like any credit (<c>vault:&lt;chain&gt;</c> → <c>suspense:&lt;chain&gt;</c>), never dropped.
/// </summary>
[GrainType("suspense")]
public interface ISuspenseGrain : IDepositRecipient
{
    /// <summary>Holds a deposit, once per <see cref="HoldInSuspense.Key"/> (the same key space as account credits).</summary>
    Task<CreditResult> HoldAsync(HoldInSuspense command);

    Task<IReadOnlyList<SuspendedDeposit>> GetHeldAsync();
}

/// <param name="ClaimedAccount">What the deposit named as account, if anything (possibly invalid), for the operator.</param>
public sealed record HoldInSuspense(
    DepositKey Key,
    string Asset,
    string Token,
    [property: JsonConverter(typeof(BigIntegerJsonConverter))] BigInteger Amount,
    string Depositor,
    string Reason,
    string? ClaimedAccount);

public sealed record SuspendedDeposit(
    DepositKey Key,
    string Asset,
    string Token,
    [property: JsonConverter(typeof(BigIntegerJsonConverter))] BigInteger Amount,
    string Depositor,
    string Reason,
    string? ClaimedAccount,
    DateTimeOffset HeldAt);
