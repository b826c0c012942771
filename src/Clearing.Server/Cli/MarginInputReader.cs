using System.Globalization;
using System.Text.Json;
using Clearing.Domain.Numerics;

namespace Clearing.Server.Cli;

/// <summary>Bad calculator input: what is wrong and where (a JSON path such as <c>$.accounts[0].balances[1].amount</c>).</summary>
public sealed class MarginInputException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}

/// <summary>A JSON value with its path, and strict typed reads that fail with <see cref="MarginInputException"/>.</summary>
internal readonly struct JsonField(JsonElement element, string path)
{
    public string Path { get; } = path;

    public JsonElement Element { get; } = element;

    public JsonField Required(string name) =>
        TryGet(name, out var field) ? field : throw new MarginInputException($"{Path}.{name}", "missing field");

    public JsonField? Optional(string name) => TryGet(name, out var field) ? field : null;

    public IEnumerable<JsonField> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array)
        {
            throw new MarginInputException(Path, $"expected an array, found {Describe(Element)}");
        }

        var path = Path;
        return Element.EnumerateArray().Select((item, i) => new JsonField(item, $"{path}[{i}]")).ToArray();
    }

    /// <summary>The items of an optional array field; none when the field is absent.</summary>
    public IEnumerable<JsonField> OptionalItems(string name) => Optional(name)?.Items() ?? [];

    public string String()
    {
        if (Element.ValueKind != JsonValueKind.String)
        {
            throw new MarginInputException(Path, $"expected a string, found {Describe(Element)}");
        }

        var text = Element.GetString()!;
        return text.Length > 0 ? text : throw new MarginInputException(Path, "must not be empty");
    }

    /// <summary>A decimal string ("1.5", "-500"), exact to 18 decimals. JSON numbers are refused: they invite binary floating point.</summary>
    public Fixed Decimal()
    {
        var text = DecimalText();
        return Fixed.TryParse(text, out var value, out var error) ? value : throw new MarginInputException(Path, $"malformed number: {error}");
    }

    /// <summary>A decimal string of token units with at most <paramref name="decimals"/> decimals, as base units.</summary>
    public Int128 TokenUnits(int decimals, string symbol)
    {
        var text = DecimalText();
        return TokenAmounts.TryParseUnits(text, decimals, out var units, out var error)
            ? units
            : throw new MarginInputException(Path, $"malformed {symbol} amount ({decimals} decimals): {error}");
    }

    public long Integer(long min, long max)
    {
        if (Element.ValueKind != JsonValueKind.Number || !Element.TryGetInt64(out var value))
        {
            throw new MarginInputException(Path, $"expected an integer, found {Describe(Element)}");
        }

        return value >= min && value <= max
            ? value
            : throw new MarginInputException(Path, $"{value} is out of range [{min}, {max}]");
    }

    public bool Boolean() => Element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new MarginInputException(Path, $"expected true or false, found {Describe(Element)}"),
    };

    private string DecimalText()
    {
        if (Element.ValueKind == JsonValueKind.Number)
        {
            throw new MarginInputException(Path, $"malformed number: write it as a decimal string (\"{Element.GetRawText()}\"), not a JSON number");
        }

        if (Element.ValueKind != JsonValueKind.String)
        {
            throw new MarginInputException(Path, $"malformed number: expected a decimal string, found {Describe(Element)}");
        }

        return Element.GetString()!;
    }

    private bool TryGet(string name, out JsonField field)
    {
        if (Element.ValueKind != JsonValueKind.Object)
        {
            throw new MarginInputException(Path, $"expected an object, found {Describe(Element)}");
        }

        if (Element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
        {
            field = new JsonField(value, $"{Path}.{name}");
            return true;
        }

        field = default;
        return false;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{element.GetString()}\"",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {element.GetRawText()}",
        _ => element.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}
