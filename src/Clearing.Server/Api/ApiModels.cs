namespace Clearing.Server.Api;

// The API's JSON shapes. Money is always a string: base units as an integer string, USD values as exact decimal
// strings, so no client parses an amount through a double.

/// <summary>
/// One (chain, asset) of an account: available (after reservations), reserved for withdrawals in flight, pending deposits
/// (not final, worth zero), and the maximum a withdrawal may take now (within the available balance, initial health
/// staying ≥ 0); base units.
/// </summary>
public sealed record BalanceResponse(string Chain, string Asset, string Available, string Reserved, string Pending, string MaxWithdrawable);

public sealed record PositionResponse(string Market, string Size, string EntryPrice, string LastFundingIndex);

/// <summary>The cross pool's three healths, free collateral and collateral value, USD.</summary>
public sealed record HealthResponse(string Initial, string LiquidationEnd, string Maintenance, string FreeCollateral, string CollateralValue, bool Liquidatable);

public sealed record AccountResponse(string Id, IReadOnlyList<BalanceResponse> Balances, IReadOnlyList<PositionResponse> Positions, HealthResponse Health);

/// <summary>POST /v1/accounts/{id}/withdrawals: <c>units</c> in the token's base units (integer string).</summary>
public sealed record WithdrawalRequestBody(string Chain, string Asset, string Units, string Destination);

/// <summary>The accepted withdrawal: reserved now and planned for execution under <c>decisionId</c>.</summary>
public sealed record WithdrawalResponse(string Id, string Account, string Status, string DecisionId, string Chain, string Asset, string Units, string Destination, string InitialHealthAfter);

/// <summary>POST /v1/accounts/{id}/trades: a fill, signed size change (base-asset units, decimal string) at a USD price.</summary>
public sealed record TradeRequestBody(string Market, string SizeDelta, string Price);

public sealed record TradeResponse(string Id, string Account, string Status, string Market, string SizeDelta, string Price, string InitialHealthBefore, string InitialHealthAfter);

public sealed record MemberResponse(string Id, string KeyId, string Role, IReadOnlyList<string> Accounts);

/// <summary>One event of the stream (the <c>data:</c> line): <c>id</c> as in the <c>id:</c> line, the account, <see cref="Clearing.Grains.Events.AccountEventKinds"/> kind, when, and its fields as text.</summary>
public sealed record AccountEventMessage(string Id, string Account, string Kind, DateTimeOffset At, IReadOnlyDictionary<string, string> Data);

/// <summary>
/// <c>event: gap</c>: events after the client's position are lost to it (<c>buffer-overrun</c>: the in-memory ring moved
/// past it; <c>unknown-stream</c>: a Last-Event-ID from another server process, e.g. before a restart).
/// </summary>
public sealed record StreamGap(string Reason, string Detail);

/// <summary>
/// A withdrawal and where it is: <c>status</c> <c>requested</c> → <c>planned</c> → <c>executed</c> (sent; <c>transaction</c>
/// is the chain's transaction id) → <c>confirmed</c> | <c>failed</c> (<c>failureReason</c>); <c>settled</c> once the
/// account no longer holds the reservation. <c>id</c> is the Idempotency-Key it was requested with.
/// </summary>
public sealed record WithdrawalStatusResponse(
    string Id,
    string DecisionId,
    string Account,
    string Status,
    string Chain,
    string Asset,
    string Units,
    string Destination,
    string? Transaction,
    string? FailureReason,
    bool Settled,
    DateTimeOffset? RequestedAt,
    DateTimeOffset? UpdatedAt);

/// <summary>Where to deposit into the account on every configured chain (see <see cref="ChainDepositInstruction"/>).</summary>
public sealed record DepositInstructionsResponse(string Account, IReadOnlyList<ChainDepositInstruction> Chains);

/// <summary>A liquidation: <c>planned</c> → <c>executing</c> → <c>completed</c>; health values in USD (exact decimals).</summary>
public sealed record LiquidationResponse(
    string LiquidationId,
    string State,
    DateTimeOffset PlannedAt,
    IReadOnlyList<LiquidationStepResponse> Steps,
    string MaintHealthBefore,
    string LiquidationEndHealthAfter,
    bool Bankrupt);

/// <summary>
/// One step: <c>seize</c> (chain, asset, base units, outbox decision, chain transaction once confirmed) or <c>reduce</c>
/// (market, size); <c>pool</c> names the isolated sub-account it belongs to (null: the cross pool).
/// </summary>
public sealed record LiquidationStepResponse(string Kind, string? Chain, string? Asset, string? Market, string Amount, string State, string? DecisionId, string? Transaction, string? Pool);

/// <summary>POST /v1/operator/accounts/{id}/liquidations: why the operator proposes it.</summary>
public sealed record LiquidationProposalBody(string Reason);

/// <summary>The proposal's outcome: the liquidation started or already running.</summary>
public sealed record LiquidationProposalResponse(string Account, string LiquidationId, string ProposedBy);

/// <summary>The risk book's counts: accounts, liquidatable accounts, accounts per maintenance-health bucket.</summary>
public sealed record RiskStatsResponse(int Accounts, int Liquidatable, IReadOnlyDictionary<string, int> HealthBuckets);

public sealed record InsuranceBalanceResponse(string Chain, string Asset, string Units);

/// <summary>The insurance fund: balances per (chain, asset) in base units; losses absorbed and socialized in USD.</summary>
public sealed record InsuranceFundResponse(IReadOnlyList<InsuranceBalanceResponse> Balances, string LossesAbsorbedUsd, string LossesSocializedUsd);
