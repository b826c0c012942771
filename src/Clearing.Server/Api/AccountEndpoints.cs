using System.Globalization;
using Clearing.Actors;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Risk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Clearing.Server.Api;

/// <summary>An account's deposit instructions, withdrawals with their states, and liquidations (the owning member or an operator).</summary>
public static class AccountEndpoints
{
    private const int DefaultListLimit = 100;

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var common = ApiAccessResponses.Account;

        app.MapGet("/v1/accounts/{id}/deposit-instructions", GetDepositInstructions).WithMetadata(new ApiOperation(
            "getDepositInstructions",
            "Where to deposit into the account on every configured chain: EVM vault + the account id as bytes32 + allowlisted tokens; Solana vault token accounts + memo.",
            null,
            [(200, "One instruction per configured chain", typeof(DepositInstructionsResponse)), .. common, (422, "The account id cannot be written into a deposit (not 1-32 of A-Z a-z 0-9 - _ .)", typeof(ProblemDetails))]));

        app.MapGet("/v1/accounts/{id}/withdrawals", ListWithdrawalsAsync).WithMetadata(new ApiOperation(
            "listWithdrawals",
            "The account's withdrawals, newest first, each with its state: requested → planned → executed (transaction) → confirmed | failed, and whether it is settled.",
            null,
            [(200, "The withdrawals", typeof(WithdrawalStatusResponse)), (400, "limit is not an integer 1..500", typeof(ProblemDetails)), .. common],
            Query: new Dictionary<string, string> { ["limit"] = $"how many, newest first (1..{WithdrawalStatusReader.MaxList}, default {DefaultListLimit})" }));

        app.MapGet("/v1/accounts/{id}/withdrawals/{decisionId}", GetWithdrawalAsync).WithMetadata(new ApiOperation(
            "getWithdrawal",
            "One withdrawal by its decision id (from the POST's response) with its state and chain transaction.",
            null,
            [(200, "The withdrawal", typeof(WithdrawalStatusResponse)), .. common, (404, "The account has no withdrawal with this decision id", typeof(ProblemDetails))]));

        app.MapGet("/v1/accounts/{id}/liquidations", ListLiquidationsAsync).WithMetadata(new ApiOperation(
            "listLiquidations",
            "The account's liquidations, newest first: state, steps (seizures per chain with their transactions, position reductions), health before and after.",
            null,
            [(200, "The liquidations", typeof(LiquidationResponse)), .. common]));
        return app;
    }

    private static IResult GetDepositInstructions(string id, HttpContext context, IEnumerable<IDepositInstructionProvider> providers)
    {
        if (ApiEndpoints.MayRead(context, id) is { } forbidden)
        {
            return forbidden;
        }

        if (!AccountIdCodec.IsValid(id))
        {
            return ApiProblems.Unprocessable("account-id-not-encodable", "Account id cannot be deposited to",
                $"Account id '{id}' does not fit the vaults' account field: it must be 1-{AccountIdCodec.MaxLength} characters of A-Z a-z 0-9 - _ . (ask the operator to configure a valid id).");
        }

        return TypedResults.Ok(new DepositInstructionsResponse(id, [.. providers.SelectMany(p => p.For(id)).OrderBy(i => i.Chain, StringComparer.Ordinal)]));
    }

    private static async Task<IResult> ListWithdrawalsAsync(string id, HttpContext context, IGrainFactory grains, WithdrawalStatusReader withdrawals)
    {
        if (ApiEndpoints.MayRead(context, id) is { } forbidden)
        {
            return forbidden;
        }

        var limit = DefaultListLimit;
        var limitText = context.Request.Query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > WithdrawalStatusReader.MaxList))
        {
            return ApiProblems.Invalid(new Dictionary<string, string[]> { ["limit"] = [$"must be an integer from 1 to {WithdrawalStatusReader.MaxList}, got '{limitText}'"] });
        }

        var snapshot = await grains.GetGrain<IMarginAccountGrain>(id).GetSnapshotAsync();
        return TypedResults.Ok(await withdrawals.ListAsync(snapshot, limit, context.RequestAborted));
    }

    private static async Task<IResult> GetWithdrawalAsync(string id, string decisionId, HttpContext context, IGrainFactory grains, WithdrawalStatusReader withdrawals)
    {
        if (ApiEndpoints.MayRead(context, id) is { } forbidden)
        {
            return forbidden;
        }

        var snapshot = await grains.GetGrain<IMarginAccountGrain>(id).GetSnapshotAsync();
        return await withdrawals.FindAsync(snapshot, decisionId, context.RequestAborted) is { } withdrawal
            ? TypedResults.Ok(withdrawal)
            : ApiProblems.Problem(StatusCodes.Status404NotFound, "not-found", "No such withdrawal",
                $"Account '{id}' has no withdrawal with decision id '{decisionId}'. Decision ids come from the POST …/withdrawals response (withdraw:{id}:<Idempotency-Key>); GET /v1/accounts/{id}/withdrawals lists them.");
    }

    private static async Task<IResult> ListLiquidationsAsync(string id, HttpContext context, IGrainFactory grains)
    {
        if (ApiEndpoints.MayRead(context, id) is { } forbidden)
        {
            return forbidden;
        }

        var liquidations = await grains.GetGrain<ILiquidationRouterGrain>(id).GetLiquidationsAsync();
        return TypedResults.Ok(liquidations.Select(ToResponse).ToArray());
    }

    internal static LiquidationResponse ToResponse(LiquidationView view) => new(
        view.LiquidationId,
        view.State,
        view.PlannedAt,
        [.. view.Steps.Select(s => new LiquidationStepResponse(s.Kind, s.Chain, s.Asset, s.Market, s.Amount, s.State, s.DecisionId, s.Transaction, s.Pool))],
        view.MaintHealthBefore.ToString(),
        view.LiquidationEndHealthAfter.ToString(),
        view.Bankrupt);
}
