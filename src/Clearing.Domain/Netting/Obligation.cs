namespace Clearing.Domain.Netting;

/// <summary>
/// One gross obligation between two clearing members: <paramref name="Payer"/> owes <paramref name="Payee"/>
/// <paramref name="Amount"/> base units of <paramref name="Asset"/> on <paramref name="Chain"/>.
/// </summary>
/// <param name="Amount">Integer base units of the asset (e.g. 1 USDC = 1_000_000), strictly positive.</param>
public sealed record Obligation(string Payer, string Payee, string Chain, string Asset, Int128 Amount);

/// <summary>A member's net amount in one (chain, asset): positive = the member receives, negative = it pays.</summary>
/// <param name="Amount">Integer base units, signed.</param>
public sealed record NetPosition(string Member, string Chain, string Asset, Int128 Amount);

/// <summary>One settlement transfer that replaces the gross obligations: <paramref name="Payer"/> sends <paramref name="Amount"/> to <paramref name="Payee"/>.</summary>
/// <param name="Amount">Integer base units, strictly positive.</param>
public sealed record SettlementTransfer(string Payer, string Payee, string Chain, string Asset, Int128 Amount);

/// <summary>
/// The outcome of netting: every member's non-zero net per (chain, asset), and the transfers that settle
/// exactly those nets. Both lists are ordered by (chain, asset, member/payer, payee), ordinal.
/// </summary>
public sealed record NettingResult(IReadOnlyList<NetPosition> Nets, IReadOnlyList<SettlementTransfer> Transfers);
