using System.Numerics;
using Clearing.Grains.Risk;

namespace Clearing.Server.Telemetry;

/// <summary>Deposits credited on <paramref name="Chain"/> in <paramref name="Asset"/>, to margin accounts or to suspense (<paramref name="Destination"/>).</summary>
public sealed record CreditedDeposits(string Chain, string Asset, string Destination, long Count);

/// <summary>Outbox actions of one (chain, kind, state) and when the oldest of them was planned.</summary>
public sealed record OutboxGroup(string Chain, string Kind, string State, long Count, DateTimeOffset OldestCreatedAt);

/// <summary>
/// <c>seize</c> outbox actions of one (chain, asset) by <paramref name="Outcome"/> (<c>paid</c>, <c>failed</c>,
/// <c>executing</c>) and the base units they move.
/// </summary>
public sealed record SeizureGroup(string Chain, string Asset, string Outcome, long Count, BigInteger Units);

/// <summary>
/// What the telemetry collector last read from the durable truth (database) and from the risk grains. Sections that
/// could not be read in a round are null and keep their previous value in <see cref="OperationsMetrics"/>.
/// </summary>
public sealed record OperationsSnapshot(
    IReadOnlyList<CreditedDeposits>? Deposits,
    IReadOnlyList<OutboxGroup>? Outbox,
    IReadOnlyList<SeizureGroup>? Seizures,
    IReadOnlyDictionary<string, long>? Cursors,
    RiskBookStats? RiskBook,
    InsuranceFundView? InsuranceFund);
