using System.Numerics;
using System.Text.Json;
using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Rpc;

/// <summary>Strict readers for the JSON shapes of the Ethereum execution API.</summary>
internal static class RpcJson
{
    public static string String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"Missing string field '{property}'.");

    public static string? OptionalString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static ulong UInt64(JsonElement element, string property) => Hex.DecodeQuantityUInt64(String(element, property));

    public static BigInteger Quantity(JsonElement element, string property) => Hex.DecodeQuantity(String(element, property));

    public static ulong UInt64(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? Hex.DecodeQuantityUInt64(value.GetString()!) : throw new FormatException("Expected a quantity string.");

    public static BigInteger Quantity(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? Hex.DecodeQuantity(value.GetString()!) : throw new FormatException("Expected a quantity string.");

    public static byte[] Data(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? Hex.Decode(value.GetString()!) : throw new FormatException("Expected a data string.");

    public static Hash32 Hash(JsonElement element, string property) => Hash32.Parse(String(element, property));

    public static EvmAddress Address(JsonElement element, string property) => EvmAddress.Parse(String(element, property));

    public static EvmAddress? OptionalAddress(JsonElement element, string property) =>
        OptionalString(element, property) is { } text ? EvmAddress.Parse(text) : null;

    public static EvmBlock Block(JsonElement block) => new(
        UInt64(block, "number"),
        Hash(block, "hash"),
        Hash(block, "parentHash"),
        UInt64(block, "timestamp"),
        OptionalString(block, "baseFeePerGas") is { } baseFee ? Hex.DecodeQuantity(baseFee) : null);

    public static EvmLog Log(JsonElement log) => new(
        Address(log, "address"),
        [.. log.GetProperty("topics").EnumerateArray().Select(topic => Hash32.Parse(topic.GetString() ?? throw new FormatException("Null topic.")).ToArray())],
        Hex.Decode(String(log, "data")),
        UInt64(log, "blockNumber"),
        Hash(log, "blockHash"),
        Hash(log, "transactionHash"),
        UInt64(log, "transactionIndex"),
        UInt64(log, "logIndex"),
        log.TryGetProperty("removed", out var removed) && removed.ValueKind == JsonValueKind.True);

    public static EvmReceipt Receipt(JsonElement receipt) => new(
        Hash(receipt, "transactionHash"),
        Hash(receipt, "blockHash"),
        UInt64(receipt, "blockNumber"),
        UInt64(receipt, "transactionIndex"),
        Address(receipt, "from"),
        OptionalAddress(receipt, "to"),
        OptionalAddress(receipt, "contractAddress"),
        UInt64(receipt, "status") switch
        {
            1 => true,
            0 => false,
            var other => throw new FormatException($"Receipt status {other} is neither 0 nor 1."),
        },
        UInt64(receipt, "gasUsed"),
        Quantity(receipt, "effectiveGasPrice"),
        [.. receipt.GetProperty("logs").EnumerateArray().Select(Log)]);

    public static FeeHistory FeeHistory(JsonElement history) => new(
        UInt64(history, "oldestBlock"),
        [.. history.GetProperty("baseFeePerGas").EnumerateArray().Select(Quantity)],
        [.. history.GetProperty("gasUsedRatio").EnumerateArray().Select(ratio => ratio.GetDouble())],
        history.TryGetProperty("reward", out var reward) && reward.ValueKind == JsonValueKind.Array
            ? [.. reward.EnumerateArray().Select(block => (IReadOnlyList<BigInteger>)[.. block.EnumerateArray().Select(Quantity)])]
            : []);
}
