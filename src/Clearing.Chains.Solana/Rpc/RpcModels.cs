using System.Text.Json;
using System.Text.Json.Serialization;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Rpc;

/// <summary>How settled the state a read sees must be; deposits are credited only at <see cref="Finalized"/> (DESIGN.md §6).</summary>
public enum Commitment
{
    Processed,
    Confirmed,
    Finalized,
}

/// <summary>A value read at a slot (the node's <c>{ context: { slot }, value }</c> envelope).</summary>
public sealed record ContextValue<T>(ulong Slot, T Value);

/// <summary>getVersion: the node software and feature set.</summary>
public sealed record NodeVersion(
    [property: JsonPropertyName("solana-core")] string SolanaCore,
    [property: JsonPropertyName("feature-set")] uint? FeatureSet);

/// <summary>getLatestBlockhash: a blockhash and the last block height at which a message using it can land.</summary>
public sealed record LatestBlockhash(string Blockhash, ulong LastValidBlockHeight);

/// <summary>An account as getAccountInfo / getMultipleAccounts return it with base64 data. Lamports and rent epoch are u64.</summary>
public sealed record AccountInfo(ulong Lamports, PublicKey Owner, byte[] Data, bool Executable, ulong RentEpoch, ulong? Space);

/// <summary>A token amount as the node renders it. <see cref="Amount"/> is the exact integer in base units.</summary>
public sealed record TokenAmount(string Amount, byte Decimals, string? UiAmountString)
{
    /// <summary>The amount in the mint's base units (an SPL amount is a u64).</summary>
    [JsonIgnore]
    public ulong BaseUnits => ulong.Parse(Amount, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A token account decoded by the node (getAccountInfo with jsonParsed).</summary>
public sealed record ParsedTokenAccount(
    PublicKey Address, PublicKey TokenProgram, PublicKey Mint, PublicKey Owner, TokenAmount TokenAmount, string State, ulong Lamports);

/// <summary>One entry of getSignaturesForAddress, newest first.</summary>
public sealed record SignatureInfo(
    string Signature, ulong Slot, JsonElement? Err, string? Memo, long? BlockTime, string? ConfirmationStatus)
{
    public bool Failed => Err is { ValueKind: not JsonValueKind.Null };
}

/// <summary>One entry of getSignatureStatuses (null where the node does not know the signature).</summary>
public sealed record SignatureStatus(ulong Slot, ulong? Confirmations, JsonElement? Err, string? ConfirmationStatus)
{
    public bool Failed => Err is { ValueKind: not JsonValueKind.Null };
}

/// <summary>A token balance in a transaction's meta; <see cref="AccountIndex"/> indexes the full account key list.</summary>
public sealed record TransactionTokenBalance(int AccountIndex, PublicKey Mint, PublicKey? Owner, PublicKey? ProgramId, TokenAmount UiTokenAmount);

/// <summary>Accounts a v0 transaction loaded from lookup tables, writable then read-only.</summary>
public sealed record LoadedAddresses(IReadOnlyList<PublicKey> Writable, IReadOnlyList<PublicKey> Readonly);

/// <summary>An instruction in a "json"-encoded transaction: indexes into the full account key list, data in base58.</summary>
public sealed record RpcCompiledInstruction(int ProgramIdIndex, IReadOnlyList<int> Accounts, string Data, int? StackHeight)
{
    [JsonIgnore]
    public byte[] DataBytes => Base58.Decode(Data);
}

public sealed record RpcInnerInstructions(int Index, IReadOnlyList<RpcCompiledInstruction> Instructions);

public sealed record RpcAddressTableLookup(PublicKey AccountKey, IReadOnlyList<byte> WritableIndexes, IReadOnlyList<byte> ReadonlyIndexes);

public sealed record RpcMessageHeader(byte NumRequiredSignatures, byte NumReadonlySignedAccounts, byte NumReadonlyUnsignedAccounts);

public sealed record RpcTransactionMessage(
    IReadOnlyList<PublicKey> AccountKeys,
    RpcMessageHeader Header,
    string RecentBlockhash,
    IReadOnlyList<RpcCompiledInstruction> Instructions,
    IReadOnlyList<RpcAddressTableLookup>? AddressTableLookups);

public sealed record RpcTransaction(IReadOnlyList<string> Signatures, RpcTransactionMessage Message);

/// <summary>Status metadata of an executed transaction. Balances are lamports (u64); <see cref="Fee"/> is lamports.</summary>
public sealed record TransactionMeta(
    JsonElement? Err,
    ulong Fee,
    IReadOnlyList<ulong> PreBalances,
    IReadOnlyList<ulong> PostBalances,
    IReadOnlyList<TransactionTokenBalance>? PreTokenBalances,
    IReadOnlyList<TransactionTokenBalance>? PostTokenBalances,
    IReadOnlyList<string>? LogMessages,
    LoadedAddresses? LoadedAddresses,
    IReadOnlyList<RpcInnerInstructions>? InnerInstructions,
    ulong? ComputeUnitsConsumed)
{
    /// <summary>True when the transaction failed; its effects (except the fee) did not happen.</summary>
    public bool Failed => Err is { ValueKind: not JsonValueKind.Null };
}

/// <summary>getTransaction with encoding "json". <see cref="Version"/> is "legacy" or "0" (null from a node not asked for versions).</summary>
public sealed record TransactionDetails(
    ulong Slot,
    long? BlockTime,
    [property: JsonConverter(typeof(TransactionVersionJsonConverter))] string? Version,
    TransactionMeta? Meta,
    RpcTransaction Transaction)
{
    [JsonIgnore]
    public bool IsLegacy => Version is null or "legacy";

    /// <summary>The full account key list the indexes refer to: message keys, then loaded writable, then loaded read-only.</summary>
    public IReadOnlyList<PublicKey> AllAccountKeys =>
    [
        .. Transaction.Message.AccountKeys,
        .. Meta?.LoadedAddresses?.Writable ?? [],
        .. Meta?.LoadedAddresses?.Readonly ?? [],
    ];

    /// <summary>The top-level instructions with keys and roles restored, ready for the program decoders.</summary>
    public IReadOnlyList<TransactionInstruction> DecompileInstructions() => ToMessage().DecompileInstructions(AllAccountKeys);

    /// <summary>The message as compiled (header, static keys, instructions, lookups), e.g. to re-serialize it.</summary>
    public Message ToMessage()
    {
        var m = Transaction.Message;
        return new Message(
            IsLegacy ? MessageVersion.Legacy : MessageVersion.V0,
            new MessageHeader(m.Header.NumRequiredSignatures, m.Header.NumReadonlySignedAccounts, m.Header.NumReadonlyUnsignedAccounts),
            m.AccountKeys,
            m.RecentBlockhash,
            [.. m.Instructions.Select(ix => new CompiledInstruction((byte)ix.ProgramIdIndex, [.. ix.Accounts.Select(a => (byte)a)], ix.DataBytes))],
            [.. (m.AddressTableLookups ?? []).Select(l => new MessageAddressTableLookup(l.AccountKey, [.. l.WritableIndexes], [.. l.ReadonlyIndexes]))]);
    }
}

/// <summary>simulateTransaction's value. Units are compute units.</summary>
public sealed record SimulationResult(JsonElement? Err, IReadOnlyList<string>? Logs, ulong? UnitsConsumed)
{
    public bool Failed => Err is { ValueKind: not JsonValueKind.Null };
}

/// <summary>Reads and writes a <see cref="PublicKey"/> as its base58 string.</summary>
public sealed class PublicKeyJsonConverter : JsonConverter<PublicKey>
{
    public override PublicKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        PublicKey.TryParse(reader.GetString(), out var key) ? key : throw new JsonException("Expected a base58 32-byte address.");

    public override void Write(Utf8JsonWriter writer, PublicKey value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}

/// <summary>The node writes a transaction's version as the string "legacy" or the number 0; both read as text.</summary>
public sealed class TransactionVersionJsonConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonTokenType.Null => null,
        _ => throw new JsonException("A transaction version is \"legacy\" or a number."),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else if (int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }
}
