namespace Clearing.Chains.Evm.Abi;

/// <summary>One parameter of a function or event: its type, optional name, and (events only) whether it is indexed.</summary>
public sealed record AbiParameter(AbiType Type, string? Name, bool Indexed);

/// <summary>Parsing of human-readable signatures such as <c>transfer(address to, uint256 amount)</c>.</summary>
public static class AbiSignature
{
    /// <summary>Parses "name(params)"; each parameter is "type [indexed] [name]".</summary>
    public static (string Name, IReadOnlyList<AbiParameter> Parameters) Parse(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var text = signature.Trim();
        var open = text.IndexOf('(');
        if (open <= 0 || !text.EndsWith(')'))
        {
            throw new FormatException($"Expected name(parameters): '{signature}'.");
        }

        var name = text[..open].Trim();
        if (!IsIdentifier(name))
        {
            throw new FormatException($"Bad function or event name in '{signature}'.");
        }

        return (name, ParseParameters(text[(open + 1)..^1]));
    }

    /// <summary>Parses a comma-separated parameter list; empty text is an empty list.</summary>
    public static IReadOnlyList<AbiParameter> ParseParameters(string text)
    {
        var parameters = new List<AbiParameter>();
        foreach (var part in SplitTopLevel(text))
        {
            // The type may itself be a tuple with spaces inside; the name and 'indexed' follow its last ')' or ']'.
            var typeEnd = TypeEnd(part);
            var type = AbiType.Parse(part[..typeEnd]);
            var rest = part[typeEnd..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var indexed = rest.Length > 0 && rest[0] == "indexed";
            var names = indexed ? rest[1..] : rest;
            if (names.Length > 1 || (names.Length == 1 && !IsIdentifier(names[0])))
            {
                throw new FormatException($"Bad parameter '{part}'.");
            }

            parameters.Add(new AbiParameter(type, names.Length == 1 ? names[0] : null, indexed));
        }

        return parameters;
    }

    /// <summary>Parses a bare type list such as "uint80,int256" or "(uint80,int256)".</summary>
    public static IReadOnlyList<AbiType> ParseTypeList(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith('(') && MatchingParenthesis(trimmed, 0) == trimmed.Length - 1)
        {
            // "(uint80 roundId, int256 answer)": one parenthesized list, possibly with names, as outputs are written.
            trimmed = trimmed[1..^1];
        }

        return [.. ParseParameters(trimmed).Select(p => p.Type)];
    }

    /// <summary>Splits at commas that are not inside parentheses.</summary>
    internal static IReadOnlyList<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return parts;
        }

        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth < 0)
                    {
                        throw new FormatException($"Unbalanced parentheses in '{text}'.");
                    }

                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }

        if (depth != 0)
        {
            throw new FormatException($"Unbalanced parentheses in '{text}'.");
        }

        parts.Add(text[start..].Trim());
        if (parts.Any(p => p.Length == 0))
        {
            throw new FormatException($"Empty parameter in '{text}'.");
        }

        return parts;
    }

    private static int MatchingParenthesis(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static int TypeEnd(string part)
    {
        var depth = 0;
        for (var i = 0; i < part.Length; i++)
        {
            switch (part[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ' ' when depth == 0:
                    return i;
            }
        }

        return part.Length;
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_' || name[0] == '$')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$');
}
