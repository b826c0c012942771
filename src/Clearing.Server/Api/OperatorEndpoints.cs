using System.Text.Json;
using Clearing.Actors;
using Clearing.Grains.Risk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Clearing.Server.Api;

/// <summary>Operator-only risk endpoints: propose a liquidation, the risk book's counts, the insurance fund.</summary>
public static class OperatorEndpoints
{
    public static IEndpointRouteBuilder MapOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var common = ApiAccessResponses.Operator;

        app.MapPost("/v1/operator/accounts/{id}/liquidations", ProposeLiquidationAsync).WithMetadata(new ApiOperation(
            "proposeLiquidation",
            "Operator: proposes a liquidation of the account. The account re-checks its health first: a healthy account is never liquidated (422 with the reason). A liquidation already running is returned, not doubled.",
            typeof(LiquidationProposalBody),
            [
                (201, "The liquidation started or already running", typeof(LiquidationProposalResponse)),
                (400, "Missing Idempotency-Key, malformed JSON or no reason (nothing changed)", typeof(ProblemDetails)),
                .. common,
                (422, "Not started, with the reason (e.g. healthy on re-check), or the Idempotency-Key was used for another request", typeof(ProblemDetails)),
            ],
            Idempotent: true));

        app.MapGet("/v1/operator/risk", GetRiskAsync).WithMetadata(new ApiOperation(
            "getRiskBook",
            "Operator: accounts in the risk book, liquidatable accounts, accounts per maintenance-health bucket.",
            null,
            [(200, "The risk book's counts", typeof(RiskStatsResponse)), .. common]));

        app.MapGet("/v1/operator/insurance", GetInsuranceAsync).WithMetadata(new ApiOperation(
            "getInsuranceFund",
            "Operator: the insurance fund's balances per chain and asset (base units) and the losses it absorbed or socialized (USD).",
            null,
            [(200, "The insurance fund", typeof(InsuranceFundResponse)), .. common]));
        return app;
    }

    private static Task<IResult> ProposeLiquidationAsync(string id, HttpContext context, IGrainFactory grains, ApiIdempotencyStore idempotency)
    {
        if (ApiEndpoints.OperatorOnly(context) is { } forbidden)
        {
            return Task.FromResult(forbidden);
        }

        if (!TryParseProposal(RequestAuthentication.Body(context), out var reason, out var errors))
        {
            return Task.FromResult(ApiProblems.Invalid(errors));
        }

        var proposedBy = "operator:" + RequestAuthentication.Caller(context).MemberId;
        return ApiEndpoints.IdempotentAsync(context, idempotency, async _ =>
        {
            var result = await grains.GetGrain<ILiquidationRouterGrain>(id).RouteAsync(new LiquidationProposal(proposedBy, reason));
            return result.Started
                ? (StatusCodes.Status201Created, JsonSerializer.Serialize(new LiquidationProposalResponse(id, result.LiquidationId!, proposedBy), ApiEndpoints.Json))
                : ApiEndpoints.Refusal(context, "liquidation-not-started", "Liquidation not started", result.Reason ?? "the router started no liquidation");
        });
    }

    private static async Task<IResult> GetRiskAsync(HttpContext context, IGrainFactory grains)
    {
        if (ApiEndpoints.OperatorOnly(context) is { } forbidden)
        {
            return forbidden;
        }

        var stats = await grains.GetGrain<INettingGrain>(NettingGrainKey.Book).GetStatsAsync();
        return TypedResults.Ok(new RiskStatsResponse(stats.Accounts, stats.Liquidatable, stats.HealthBuckets));
    }

    private static async Task<IResult> GetInsuranceAsync(HttpContext context, IGrainFactory grains)
    {
        if (ApiEndpoints.OperatorOnly(context) is { } forbidden)
        {
            return forbidden;
        }

        var fund = await grains.GetGrain<IInsuranceFundGrain>(InsuranceFundKey.Fund).GetAsync();
        return TypedResults.Ok(new InsuranceFundResponse(
            [.. fund.Balances.Select(b => new InsuranceBalanceResponse(b.Chain, b.Asset, b.Units.ToString(System.Globalization.CultureInfo.InvariantCulture)))],
            fund.LossesAbsorbedUsd.ToString(),
            fund.LossesSocializedUsd.ToString()));
    }

    private static bool TryParseProposal(byte[] body, out string reason, out Dictionary<string, string[]> errors)
    {
        reason = "";
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors["$"] = [$"the body must be a JSON object {{\"reason\": \"…\"}}, got {document.RootElement.ValueKind}"];
            }
            else if (!document.RootElement.TryGetProperty("reason", out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
            {
                errors["reason"] = ["is required: a non-empty string saying why the operator proposes this liquidation (kept with it)"];
            }
            else
            {
                reason = value.GetString()!;
            }
        }
        catch (JsonException e)
        {
            errors["$"] = [$"the body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}"];
        }

        return errors.Count == 0;
    }
}
