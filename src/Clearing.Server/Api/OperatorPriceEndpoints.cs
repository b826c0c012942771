using System.Globalization;
using System.Text.Json;
using Clearing.Domain.Numerics;
using Clearing.Oracles.Aggregation;
using Clearing.Server.Oracles;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Server.Api;

/// <summary>
/// Operator prices (<c>Clearing:Oracles</c>): set an asset's operator-feed price, read every oracle-priced asset's
/// status (live, frozen with the observed divergence, unavailable) with each source's verdict.
/// </summary>
public static class OperatorPriceEndpoints
{
    public static IEndpointRouteBuilder MapOperatorPriceEndpoints(this IEndpointRouteBuilder app)
    {
        var common = ApiAccessResponses.Operator;
        app.MapPost("/v1/operator/prices/{asset}", SetPriceAsync).WithMetadata(new ApiOperation(
            "setOperatorPrice",
            "Operator: sets the operator feed's price of the asset (USD per whole token, decimal text; confidence in USD, default 0; publishTime in unix seconds, default now). The asset is re-aggregated at once with its other sources: the answer is its new status, which may be frozen if the sources now diverge.",
            typeof(OperatorPriceBody),
            [
                (200, "The asset's price after the update", typeof(OraclePriceResponse)),
                (400, "Malformed JSON, a price that is not a positive decimal or a negative confidence (nothing changed)", typeof(ProblemDetails)),
                .. common,
                (404, "Oracles are not configured, the asset is not oracle-priced, or it has no operator source", typeof(ProblemDetails)),
            ]));
        app.MapGet("/v1/operator/prices", GetPrices).WithMetadata(new ApiOperation(
            "getOraclePrices",
            "Operator: every oracle-priced asset: status (live, frozen, unavailable), the price the risk engine uses, the last good one, the reason and each source's verdict.",
            null,
            [(200, "The oracle prices", typeof(OraclePricesResponse)), .. common, (404, "Oracles are not configured", typeof(ProblemDetails))]));
        return app;
    }

    private static async Task<IResult> SetPriceAsync(string asset, HttpContext context)
    {
        if (ApiEndpoints.OperatorOnly(context) is { } forbidden)
        {
            return forbidden;
        }

        if (context.RequestServices.GetService<OraclePriceBook>() is not { } book)
        {
            return NotConfigured();
        }

        if (!book.Latest.ContainsKey(asset))
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "unknown-oracle-asset", "Asset not oracle-priced", $"'{asset}' has no entry under Clearing:Oracles:Assets.");
        }

        if (!book.HasOperatorFeed(asset))
        {
            return ApiProblems.Problem(StatusCodes.Status404NotFound, "no-operator-source", "No operator source", $"'{asset}' has no source of Kind 'operator' under Clearing:Oracles:Assets:{asset}:Sources.");
        }

        if (!TryParse(RequestAuthentication.Body(context), out var price, out var confidence, out var publishTime, out var errors))
        {
            return ApiProblems.Invalid(errors);
        }

        var evaluated = await book.SetOperatorPriceAsync(asset, price, confidence, publishTime, context.RequestAborted);
        return TypedResults.Ok(Response(evaluated));
    }

    private static IResult GetPrices(HttpContext context)
    {
        if (ApiEndpoints.OperatorOnly(context) is { } forbidden)
        {
            return forbidden;
        }

        if (context.RequestServices.GetService<OraclePriceBook>() is not { } book)
        {
            return NotConfigured();
        }

        var current = book.Current.Prices;
        return TypedResults.Ok(new OraclePricesResponse([.. book.Latest.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => pair.Value is { } price
            ? Response(price)
            : new OraclePriceResponse(pair.Key, "pending", current.TryGetValue(pair.Key, out var file) ? file.Price.ToString() : null, null, null, "not evaluated yet", null, null, []))]));
    }

    private static IResult NotConfigured() =>
        ApiProblems.Problem(StatusCodes.Status404NotFound, "oracles-not-configured", "Oracles not configured", "This service has no Clearing:Oracles section; prices come from the risk file.");

    private static OraclePriceResponse Response(AssetPrice price)
    {
        var shown = price.Quote ?? price.LastGood;
        return new(
            price.Asset,
            price.Status.ToString().ToLowerInvariant(),
            shown?.Price.ToString(),
            shown?.Confidence.ToString(),
            shown?.PublishTime,
            price.Reason,
            price.ObservedMedian?.ToString(),
            price.ObservedSpread?.ToString(),
            [.. price.Sources.Select(s => new OracleSourceResponse(s.Source, s.Use.ToString().ToLowerInvariant(), s.Observation?.Price.ToString(), s.Observation?.PublishTime, s.Reason))]);
    }

    private static bool TryParse(byte[] body, out Fixed price, out Fixed confidence, out long? publishTime, out Dictionary<string, string[]> errors)
    {
        price = Fixed.Zero;
        confidence = Fixed.Zero;
        publishTime = null;
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["$"] = [$"the body must be a JSON object {{\"price\": \"1850.25\"}}, got {root.ValueKind}"];
                return false;
            }

            if (!root.TryGetProperty("price", out var priceValue) || priceValue.ValueKind != JsonValueKind.String
                || !Fixed.TryParse(priceValue.GetString(), out price) || !price.IsPositive)
            {
                errors["price"] = ["is required: a positive decimal string, USD per whole token (e.g. \"1850.25\"; at most 18 decimals)"];
            }

            if (root.TryGetProperty("confidence", out var confidenceValue)
                && (confidenceValue.ValueKind != JsonValueKind.String || !Fixed.TryParse(confidenceValue.GetString(), out confidence) || confidence.IsNegative))
            {
                errors["confidence"] = ["must be a non-negative decimal string in USD (e.g. \"0.5\")"];
            }

            if (root.TryGetProperty("publishTime", out var timeValue))
            {
                if (timeValue.ValueKind == JsonValueKind.Number && timeValue.TryGetInt64(out var seconds) && seconds > 0)
                {
                    publishTime = seconds;
                }
                else
                {
                    errors["publishTime"] = ["must be a positive integer, unix seconds"];
                }
            }
        }
        catch (JsonException e)
        {
            errors["$"] = [$"the body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}"];
        }

        return errors.Count == 0;
    }
}

/// <summary>An operator price: <c>price</c> USD per whole token and optional <c>confidence</c> (USD) as decimal text, optional <c>publishTime</c> (unix s).</summary>
public sealed record OperatorPriceBody(string Price, string? Confidence, long? PublishTime);

/// <summary>
/// One oracle-priced asset: <c>status</c> live, frozen, unavailable (or pending before the first refresh); the price
/// the risk engine uses (the last good one unless live) with its confidence and publish time; when frozen, the median
/// and spread the sources showed.
/// </summary>
public sealed record OraclePriceResponse(
    string Asset,
    string Status,
    string? Price,
    string? Confidence,
    long? PublishTime,
    string? Reason,
    string? ObservedMedian,
    string? ObservedSpread,
    IReadOnlyList<OracleSourceResponse> Sources);

/// <summary>Every oracle-priced asset, by symbol.</summary>
public sealed record OraclePricesResponse(IReadOnlyList<OraclePriceResponse> Assets);

/// <summary>One source's verdict: used, stale or failed, with what it read and why it was not used.</summary>
public sealed record OracleSourceResponse(string Source, string Use, string? Price, long? PublishTime, string? Reason);
