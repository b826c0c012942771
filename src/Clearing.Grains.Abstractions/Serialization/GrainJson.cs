using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.Domain.Numerics;

namespace Clearing.Grains.Serialization;

/// <summary>
/// JSON of grain states and stored command results. Money never goes through a JSON number that a reader might
/// parse as a double: <see cref="Fixed"/> and <see cref="BigInteger"/> are exact decimal strings; <see cref="Int128"/>
/// is written as System.Text.Json writes it (an integer literal, read back exactly).
/// </summary>
public static class GrainJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.General)
    {
        Converters = { new FixedJsonConverter(), new BigIntegerJsonConverter() },
    };
}

/// <summary><see cref="Fixed"/> as its exact decimal text ("-12.5").</summary>
public sealed class FixedJsonConverter : JsonConverter<Fixed>
{
    public override Fixed Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Fixed.TryParse(reader.GetString(), out var value, out var error)
            ? value
            : throw new JsonException($"Not a fixed-point decimal: {error}");

    public override void Write(Utf8JsonWriter writer, Fixed value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

/// <summary><see cref="BigInteger"/> (on-chain base units, up to uint256) as canonical decimal text.</summary>
public sealed class BigIntegerJsonConverter : JsonConverter<BigInteger>
{
    public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        BigInteger.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new JsonException("Not an integer in decimal text.");

    public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
}
