using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Clearing.Persistence.Migrations;

/// <summary>One versioned script, <c>Sql/&lt;dialect&gt;/NNNN_name.sql</c>, embedded in this assembly.</summary>
public sealed partial record MigrationScript(int Version, string Name, string Text)
{
    /// <summary>SHA-256 of the script text (hex): a script edited after it was applied is detected at startup.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text.ReplaceLineEndings("\n"))));

    /// <summary>The dialect's scripts in version order; versions must be 1, 2, 3… without gaps.</summary>
    public static IReadOnlyList<MigrationScript> For(SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        var assembly = typeof(MigrationScript).Assembly;
        var prefix = $"{assembly.GetName().Name}.Sql.{dialect.ScriptFolder}.";
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(name => Load(assembly, name, name[prefix.Length..]))
            .OrderBy(script => script.Version)
            .ToList();
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new InvalidOperationException(
                    $"Sql/{dialect.ScriptFolder} scripts must be numbered 1, 2, 3… without gaps; found {scripts[i].Version} at position {i + 1}.");
            }
        }

        return scripts;
    }

    private static MigrationScript Load(Assembly assembly, string resourceName, string fileName)
    {
        var match = FileNamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Migration script '{fileName}' is not named NNNN_name.sql.");
        }

        using var stream = assembly.GetManifestResourceStream(resourceName)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new MigrationScript(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd());
    }

    [GeneratedRegex(@"^(\d{4})_([a-z0-9_]+)\.sql$")]
    private static partial Regex FileNamePattern();
}
