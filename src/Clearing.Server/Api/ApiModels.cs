namespace Clearing.Server.Api;

// The API's JSON shapes. Money is always a string: base units as an integer string, USD values as exact decimal
// strings, so no client parses an amount through a double.

/// <summary>One (chain, asset) of an account: available (after reservations), reserved for withdrawals in flight, pending deposits (not final, worth zero); base units.</summary>
public sealed record BalanceResponse(string Chain, string Asset, string Available, string Reserved, string Pending);

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
