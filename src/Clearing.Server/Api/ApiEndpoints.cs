using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Clearing.Actors;
using Clearing.Grains.Accounts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Clearing.Server.Api;

/// <summary>The /v1 member API and /openapi.json. Authentication happens before these run (<see cref="RequestAuthentication"/>).</summary>
public static class ApiEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const int MaxIdempotencyKeyLength = 128;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapClearingApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/openapi.json", (EndpointDataSource source) => Results.Text(OpenApiDocument.Generate([source]), "application/json"))
            .ExcludeFromDescription();

        app.MapGet("/v1/accounts/{id}", GetAccountAsync).WithMetadata(new ApiOperation(
            "getAccount",
            "An account: balances per chain and asset (available, reserved, pending), positions, the three healths and free collateral.",
            null,
            [(200, "The account", typeof(AccountResponse)), (401, "Not authenticated", typeof(ProblemDetails)), (403, "Not this member's account", typeof(ProblemDetails))]));

        app.MapPost("/v1/accounts/{id}/withdrawals", RequestWithdrawalAsync).WithMetadata(new ApiOperation(
            "requestWithdrawal",
            "Requests a withdrawal: reserved and planned when the balance holds it and initial health stays ≥ 0.",
            typeof(WithdrawalRequestBody),
            [
                (201, "Accepted: reserved and planned", typeof(WithdrawalResponse)),
                (400, "Missing Idempotency-Key, malformed JSON or invalid fields (nothing changed)", typeof(ProblemDetails)),
                (401, "Not authenticated", typeof(ProblemDetails)),
                (403, "Not this member's account", typeof(ProblemDetails)),
                (422, "Refused with the reason (balance or initial health), or the Idempotency-Key was used for another request", typeof(ProblemDetails)),
            ],
            Idempotent: true));

        app.MapPost("/v1/accounts/{id}/trades", ApplyTradeAsync).WithMetadata(new ApiOperation(
            "applyTrade",
            "Applies a fill after the pre-trade check (initial health ≥ 0 after it).",
            typeof(TradeRequestBody),
            [
                (201, "Accepted and applied", typeof(TradeResponse)),
                (400, "Missing Idempotency-Key, malformed JSON or invalid fields (nothing changed)", typeof(ProblemDetails)),
                (401, "Not authenticated", typeof(ProblemDetails)),
                (403, "Not this member's account", typeof(ProblemDetails)),
                (422, "Rejected by the pre-trade check with its reason, or the Idempotency-Key was used for another request", typeof(ProblemDetails)),
            ],
            Idempotent: true));

        app.MapGet("/v1/members", ListMembers).WithMetadata(new ApiOperation(
            "listMembers",
            "Operator only: every configured credential's member, key id, role and accounts (never secrets).",
            null,
            [(200, "The members", typeof(MemberResponse)), (401, "Not authenticated", typeof(ProblemDetails)), (403, "Not an operator credential", typeof(ProblemDetails))]));

        app.MapEventStreams();
        app.MapAccountEndpoints();
        app.MapOperatorEndpoints();
        return app;
    }

    private static async Task<IResult> GetAccountAsync(string id, HttpContext context, IGrainFactory grains)
    {
        if (MayRead(context, id) is { } forbidden)
        {
            return forbidden;
        }

        var snapshot = await grains.GetGrain<IMarginAccountGrain>(id).GetSnapshotAsync();
        return TypedResults.Ok(ToResponse(snapshot));
    }

    private static Task<IResult> RequestWithdrawalAsync(string id, HttpContext context, IGrainFactory grains, ApiIdempotencyStore idempotency)
    {
        if (!ApiRequests.TryParseWithdrawal(RequestAuthentication.Body(context), out var request, out var units, out var errors))
        {
            return Task.FromResult(ApiProblems.Invalid(errors));
        }

        return IdempotentAsync(context, id, idempotency, async key =>
        {
            var result = await grains.GetGrain<IMarginAccountGrain>(id)
                .RequestWithdrawalAsync(new RequestWithdrawal(key, request.Chain, request.Asset, units, request.Destination));
            return result.Accepted
                ? (StatusCodes.Status201Created, JsonSerializer.Serialize(
                    new WithdrawalResponse(key, id, "requested", result.DecisionId!, request.Chain, request.Asset, units.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Destination, result.InitHealthAfter.ToString()),
                    Json))
                : Refusal(context, "withdrawal-refused", "Withdrawal refused", result.Reason!);
        });
    }

    private static Task<IResult> ApplyTradeAsync(string id, HttpContext context, IGrainFactory grains, ApiIdempotencyStore idempotency)
    {
        if (!ApiRequests.TryParseTrade(RequestAuthentication.Body(context), out var request, out var sizeDelta, out var price, out var errors))
        {
            return Task.FromResult(ApiProblems.Invalid(errors));
        }

        return IdempotentAsync(context, id, idempotency, async key =>
        {
            var result = await grains.GetGrain<IMarginAccountGrain>(id).ApplyTradeAsync(new ApplyTrade(key, request.Market, sizeDelta, price));
            return result.Accepted
                ? (StatusCodes.Status201Created, JsonSerializer.Serialize(
                    new TradeResponse(key, id, "applied", request.Market, sizeDelta.ToString(), price.ToString(), result.InitHealthBefore.ToString(), result.InitHealthAfter.ToString()),
                    Json))
                : Refusal(context, "trade-rejected", "Trade rejected by the pre-trade check", result.Reason!);
        });
    }

    internal static IResult? OperatorOnly(HttpContext context)
    {
        var caller = RequestAuthentication.Caller(context);
        return caller.Role == ApiRole.Operator
            ? null
            : ApiProblems.Forbidden($"{context.Request.Path} needs an operator credential; key {caller.KeyId} is a member key.");
    }

    /// <summary>Reads: the owning member or an operator.</summary>
    internal static IResult? MayRead(HttpContext context, string accountId)
    {
        var caller = RequestAuthentication.Caller(context);
        return caller.Role == ApiRole.Operator || caller.Owns(accountId) ? null : NotYourAccount(caller, accountId);
    }

    private static IResult ListMembers(HttpContext context, ApiCredentialStore credentials)
    {
        if (OperatorOnly(context) is { } forbidden)
        {
            return forbidden;
        }

        return TypedResults.Ok(credentials.All
            .OrderBy(c => c.MemberId, StringComparer.Ordinal)
            .Select(c => new MemberResponse(c.MemberId, c.KeyId, c.Role == ApiRole.Operator ? "operator" : "member", [.. c.Accounts.Order(StringComparer.Ordinal)]))
            .ToArray());
    }

    /// <summary>
    /// The Idempotency-Key protocol around a money-moving command: claim (member, key) with the request's fingerprint,
    /// then run the command with the key as the grain's command id (so even a re-run is a grain replay), then store
    /// the response. The key, not a fresh id, is the command id: this is what makes "one effect" hold across crashes.
    /// </summary>
    private static Task<IResult> IdempotentAsync(HttpContext context, string accountId, ApiIdempotencyStore store, Func<string, Task<(int Status, string Body)>> execute)
    {
        var caller = RequestAuthentication.Caller(context);
        return caller.Role != ApiRole.Member || !caller.Owns(accountId)
            ? Task.FromResult(NotYourAccount(caller, accountId))
            : IdempotentAsync(context, store, execute);
    }

    /// <summary>The Idempotency-Key protocol for a caller already authorized for the operation.</summary>
    internal static async Task<IResult> IdempotentAsync(HttpContext context, ApiIdempotencyStore store, Func<string, Task<(int Status, string Body)>> execute)
    {
        var caller = RequestAuthentication.Caller(context);

        var key = context.Request.Headers[IdempotencyKeyHeader].ToString();
        if (string.IsNullOrEmpty(key))
        {
            return ApiProblems.BadRequest("idempotency-key-missing", "Idempotency-Key required", $"{context.Request.Method} {context.Request.Path} moves money: send an {IdempotencyKeyHeader} header (a fresh unique value per operation, reused only to retry it). Nothing was changed.");
        }

        if (key.Length > MaxIdempotencyKeyLength || !key.All(c => c is > ' ' and <= '~'))
        {
            return ApiProblems.BadRequest("idempotency-key-invalid", "Idempotency-Key invalid", $"{IdempotencyKeyHeader} must be 1..{MaxIdempotencyKeyLength} printable ASCII characters without spaces. Nothing was changed.");
        }

        var fingerprint = Fingerprint(context);
        switch (await store.ClaimAsync(caller.MemberId, key, fingerprint, context.RequestAborted))
        {
            case IdempotencyClaim.Conflict:
                return ApiProblems.Unprocessable("idempotency-key-reused", "Idempotency-Key reused", $"{IdempotencyKeyHeader} '{key}' was already used for a different request (method, path or body). Use a new key for a new operation; nothing was changed.");
            case IdempotencyClaim.Replay(var stored):
                context.Response.Headers["Idempotent-Replayed"] = "true";
                return Stored(stored);
        }

        var (status, body) = await execute(key);
        var response = new StoredResponse(status, body);
        await store.CompleteAsync(caller.MemberId, key, response, CancellationToken.None);
        return Stored(response);
    }

    private static IResult Stored(StoredResponse response) =>
        Results.Text(response.Body, response.Status >= 400 ? "application/problem+json" : "application/json", Encoding.UTF8, response.Status);

    internal static (int, string) Refusal(HttpContext context, string slug, string title, string reason) =>
        (StatusCodes.Status422UnprocessableEntity, JsonSerializer.Serialize(
            new ProblemDetails { Type = "urn:clearing:problem:" + slug, Title = title, Status = StatusCodes.Status422UnprocessableEntity, Detail = reason, Instance = context.Request.Path },
            Json));

    private static string Fingerprint(HttpContext context)
    {
        var head = Encoding.UTF8.GetBytes($"{context.Request.Method}\n{context.Request.Path}{context.Request.QueryString}\n");
        return Convert.ToHexStringLower(SHA256.HashData([.. head, .. RequestAuthentication.Body(context)]));
    }

    internal static IResult NotYourAccount(ApiCredential caller, string accountId) =>
        ApiProblems.Forbidden(caller.Role == ApiRole.Operator
            ? $"Operator key {caller.KeyId} may read accounts but does not move money for members."
            : $"Account '{accountId}' is not one of member {caller.MemberId}'s accounts.");

    private static AccountResponse ToResponse(AccountSnapshot snapshot)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        var keys = snapshot.Balances.Select(b => (b.Chain, b.Asset))
            .Concat(snapshot.Reservations.Select(r => (r.Chain, r.Asset)))
            .Concat(snapshot.Pending.Select(p => (p.Key.Chain, p.Asset)))
            .Distinct()
            .OrderBy(k => k.Chain, StringComparer.Ordinal).ThenBy(k => k.Asset, StringComparer.Ordinal);
        var balances = keys.Select(k => new BalanceResponse(
                k.Chain,
                k.Asset,
                Sum(snapshot.Balances.Where(b => b.Chain == k.Chain && b.Asset == k.Asset).Select(b => b.Units)).ToString(invariant),
                Sum(snapshot.Reservations.Where(r => r.Chain == k.Chain && r.Asset == k.Asset).Select(r => r.Units)).ToString(invariant),
                Sum(snapshot.Pending.Where(p => p.Key.Chain == k.Chain && p.Asset == k.Asset).Select(p => p.Units)).ToString(invariant),
                Sum((snapshot.Withdrawable ?? []).Where(w => w.Chain == k.Chain && w.Asset == k.Asset).Select(w => w.Units)).ToString(invariant)))
            .ToArray();
        var positions = snapshot.Positions
            .Select(p => new PositionResponse(p.Market, p.Size.ToString(), p.EntryPrice.ToString(), p.LastFundingIndex.ToString()))
            .ToArray();
        var health = snapshot.Health;
        return new AccountResponse(snapshot.AccountId, balances, positions, new HealthResponse(
            health.Initial.ToString(), health.LiquidationEnd.ToString(), health.Maintenance.ToString(), health.FreeCollateral.ToString(), health.CollateralValue.ToString(), health.IsLiquidatable));
    }

    private static Int128 Sum(IEnumerable<Int128> values) => values.Aggregate(Int128.Zero, (a, b) => checked(a + b));
}
