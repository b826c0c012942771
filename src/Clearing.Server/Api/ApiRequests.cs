using System.Text.Json;
using Clearing.Domain.Numerics;

namespace Clearing.Server.Api;

/// <summary>
/// Strict parsing of request bodies into field errors (JSON path → messages) instead of exceptions, so every bad
/// input becomes one 400 that names each wrong field.
/// </summary>
internal static class ApiRequests
{
    public static bool TryParseWithdrawal(byte[] body, out WithdrawalRequestBody request, out Int128 units, out Dictionary<string, string[]> errors)
    {
        units = default;
        request = default!;
        if (!TryReadObject(body, out var root, out errors))
        {
            return false;
        }

        var chain = RequiredString(root, "chain", errors);
        var asset = RequiredString(root, "asset", errors);
        var unitsText = RequiredString(root, "units", errors);
        var destination = RequiredString(root, "destination", errors);
        if (unitsText is not null)
        {
            if (!Int128.TryParse(unitsText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out units) || units <= 0)
            {
                errors["units"] = [$"must be a positive integer of the token's base units as a string (at most {Int128.MaxValue}), got '{unitsText}'"];
            }
        }

        if (errors.Count > 0)
        {
            return false;
        }

        request = new WithdrawalRequestBody(chain!, asset!, unitsText!, destination!);
        return true;
    }

    public static bool TryParseTrade(byte[] body, out TradeRequestBody request, out Fixed sizeDelta, out Fixed price, out Dictionary<string, string[]> errors)
    {
        sizeDelta = default;
        price = default;
        request = default!;
        if (!TryReadObject(body, out var root, out errors))
        {
            return false;
        }

        var market = RequiredString(root, "market", errors);
        var sizeText = RequiredString(root, "sizeDelta", errors);
        var priceText = RequiredString(root, "price", errors);
        if (sizeText is not null && (!Fixed.TryParse(sizeText, out sizeDelta, out var sizeError) || sizeDelta.IsZero))
        {
            errors["sizeDelta"] = [$"must be a non-zero decimal string (positive buys, negative sells), got '{sizeText}'{Because(sizeError)}"];
        }

        if (priceText is not null && (!Fixed.TryParse(priceText, out price, out var priceError) || price.Sign <= 0))
        {
            errors["price"] = [$"must be a positive decimal string in USD, got '{priceText}'{Because(priceError)}"];
        }

        if (errors.Count > 0)
        {
            return false;
        }

        request = new TradeRequestBody(market!, sizeText!, priceText!);
        return true;
    }

    private static string Because(string? error) => error is null ? "" : $": {error}";

    private static bool TryReadObject(byte[] body, out JsonElement root, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        root = default;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            errors["$"] = [$"the body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}"];
            return false;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = [$"the body must be a JSON object, got {root.ValueKind}"];
            return false;
        }

        return true;
    }

    private static string? RequiredString(JsonElement root, string name, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors[name] = ["is required"];
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            errors[name] = [$"must be a non-empty string, got {value.ValueKind}{(value.ValueKind == JsonValueKind.Number ? " (amounts are strings so they stay exact)" : "")}"];
            return null;
        }

        return value.GetString();
    }
}
