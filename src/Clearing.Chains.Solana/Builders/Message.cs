using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Builders;

public enum MessageVersion
{
    /// <summary>The original format: every account key is in the message.</summary>
    Legacy,

    /// <summary>Version 0: a 0x80 prefix byte, and address table lookups after the instructions.</summary>
    V0,
}

/// <summary>
/// A compiled Solana message, the bytes every signature covers. Layout (legacy):
/// header (3 bytes) ‖ short-vec static keys (32 bytes each) ‖ recent blockhash (32) ‖ short-vec instructions
/// (program index u8, short-vec account indexes, short-vec data). v0 prefixes 0x80 (high bit set, version 0) and
/// appends short-vec address table lookups (table key, short-vec writable indexes, short-vec read-only indexes).
/// </summary>
public sealed class Message
{
    private const byte VersionPrefixFlag = 0x80;

    public Message(
        MessageVersion version,
        MessageHeader header,
        IReadOnlyList<PublicKey> staticAccountKeys,
        string recentBlockhash,
        IReadOnlyList<CompiledInstruction> instructions,
        IReadOnlyList<MessageAddressTableLookup>? addressTableLookups = null)
    {
        if (version == MessageVersion.Legacy && addressTableLookups is { Count: > 0 })
        {
            throw new ArgumentException("A legacy message has no address table lookups.", nameof(addressTableLookups));
        }

        if (!Base58.TryDecode(recentBlockhash, out var hash) || hash.Length != 32)
        {
            throw new ArgumentException($"'{recentBlockhash}' is not a base58 32-byte blockhash.", nameof(recentBlockhash));
        }

        if (header.NumRequiredSignatures > staticAccountKeys.Count
            || header.NumReadonlySignedAccounts > header.NumRequiredSignatures
            || header.NumReadonlyUnsignedAccounts > staticAccountKeys.Count - header.NumRequiredSignatures)
        {
            throw new ArgumentException("The header's counts do not fit the static account keys.", nameof(header));
        }

        // As the runtime's sanitize: every index must name a key of the message (static or loaded).
        var keyCount = staticAccountKeys.Count + (addressTableLookups ?? []).Sum(l => l.WritableIndexes.Length + l.ReadonlyIndexes.Length);
        foreach (var instruction in instructions)
        {
            if (instruction.ProgramIdIndex >= keyCount || instruction.AccountIndexes.Any(i => i >= keyCount))
            {
                throw new ArgumentException($"An instruction names an account index beyond the message's {keyCount} keys.", nameof(instructions));
            }
        }

        Version = version;
        Header = header;
        StaticAccountKeys = staticAccountKeys;
        RecentBlockhash = recentBlockhash;
        Instructions = instructions;
        AddressTableLookups = addressTableLookups ?? [];
    }

    public MessageVersion Version { get; }

    public MessageHeader Header { get; }

    public IReadOnlyList<PublicKey> StaticAccountKeys { get; }

    /// <summary>Base58 of the 32-byte blockhash (or durable nonce) that bounds the message's lifetime.</summary>
    public string RecentBlockhash { get; }

    public IReadOnlyList<CompiledInstruction> Instructions { get; }

    public IReadOnlyList<MessageAddressTableLookup> AddressTableLookups { get; }

    /// <summary>The keys that must sign, in signature order (the first <c>NumRequiredSignatures</c> static keys).</summary>
    public IReadOnlyList<PublicKey> Signers => [.. StaticAccountKeys.Take(Header.NumRequiredSignatures)];

    public bool IsSigner(int index) => index < Header.NumRequiredSignatures;

    /// <summary>
    /// Whether the key at <paramref name="index"/> of the full key list (static, then loaded writable, then loaded
    /// read-only) is writable by the header and lookups.
    /// </summary>
    public bool IsWritable(int index)
    {
        var staticCount = StaticAccountKeys.Count;
        if (index < Header.NumRequiredSignatures)
        {
            return index < Header.NumRequiredSignatures - Header.NumReadonlySignedAccounts;
        }

        if (index < staticCount)
        {
            return index < staticCount - Header.NumReadonlyUnsignedAccounts;
        }

        var writableLoaded = AddressTableLookups.Sum(l => l.WritableIndexes.Length);
        return index - staticCount < writableLoaded;
    }

    /// <summary>
    /// Resolves the lookups against the tables' contents into the full account key list in Solana's order.
    /// Throws when a table is missing or an index is past its end.
    /// </summary>
    public LoadedAccountKeys ResolveAccountKeys(IEnumerable<AddressLookupTable> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var byKey = new Dictionary<PublicKey, AddressLookupTable>();
        foreach (var table in tables)
        {
            byKey[table.Key] = table;
        }

        var writable = new List<PublicKey>();
        var readOnly = new List<PublicKey>();
        foreach (var lookup in AddressTableLookups)
        {
            if (!byKey.TryGetValue(lookup.AccountKey, out var table))
            {
                throw new InvalidOperationException($"Address lookup table {lookup.AccountKey} was not provided.");
            }

            writable.AddRange(lookup.WritableIndexes.Select(i => Load(table, i)));
            readOnly.AddRange(lookup.ReadonlyIndexes.Select(i => Load(table, i)));
        }

        return new LoadedAccountKeys(StaticAccountKeys, writable, readOnly);
    }

    /// <summary>Rebuilds the instructions with their keys and roles, given the full key list (from <see cref="ResolveAccountKeys"/>).</summary>
    public IReadOnlyList<TransactionInstruction> DecompileInstructions(IReadOnlyList<PublicKey> allAccountKeys)
    {
        ArgumentNullException.ThrowIfNull(allAccountKeys);
        return
        [
            .. Instructions.Select(ix => new TransactionInstruction(
                KeyAt(allAccountKeys, ix.ProgramIdIndex),
                [.. ix.AccountIndexes.Select(i => new AccountMeta(KeyAt(allAccountKeys, i), IsSigner(i), IsWritable(i)))],
                ix.Data)),
        ];
    }

    public byte[] Serialize()
    {
        using var output = new MemoryStream();
        if (Version == MessageVersion.V0)
        {
            output.WriteByte(VersionPrefixFlag); // 0x80 | version 0
        }

        output.WriteByte(Header.NumRequiredSignatures);
        output.WriteByte(Header.NumReadonlySignedAccounts);
        output.WriteByte(Header.NumReadonlyUnsignedAccounts);
        ShortVec.Write(output, StaticAccountKeys.Count);
        foreach (var key in StaticAccountKeys)
        {
            output.Write(key.Bytes);
        }

        output.Write(Base58.Decode(RecentBlockhash));
        ShortVec.Write(output, Instructions.Count);
        foreach (var instruction in Instructions)
        {
            output.WriteByte(instruction.ProgramIdIndex);
            WriteBytes(output, instruction.AccountIndexes);
            WriteBytes(output, instruction.Data);
        }

        if (Version == MessageVersion.V0)
        {
            ShortVec.Write(output, AddressTableLookups.Count);
            foreach (var lookup in AddressTableLookups)
            {
                output.Write(lookup.AccountKey.Bytes);
                WriteBytes(output, lookup.WritableIndexes);
                WriteBytes(output, lookup.ReadonlyIndexes);
            }
        }

        return output.ToArray();
    }

    /// <summary>Reads a whole message; throws <see cref="FormatException"/> on a malformed one or trailing bytes.</summary>
    public static Message Deserialize(ReadOnlySpan<byte> bytes)
    {
        var reader = new SpanReader(bytes);
        var message = Read(ref reader);
        if (!reader.AtEnd)
        {
            throw new FormatException("Trailing bytes after the message.");
        }

        return message;
    }

    internal static Message Read(ref SpanReader reader)
    {
        var version = MessageVersion.Legacy;
        var first = reader.ReadByte();
        if ((first & VersionPrefixFlag) != 0)
        {
            var number = first & 0x7f;
            if (number != 0)
            {
                throw new FormatException($"Message version {number} is not supported (only legacy and v0).");
            }

            version = MessageVersion.V0;
            first = reader.ReadByte();
        }

        var header = new MessageHeader(first, reader.ReadByte(), reader.ReadByte());
        var keyCount = reader.ReadShortVec();
        var keys = new PublicKey[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            keys[i] = new PublicKey(reader.ReadBytes(PublicKey.Length));
        }

        var blockhash = Base58.Encode(reader.ReadBytes(32));
        var instructionCount = reader.ReadShortVec();
        var instructions = new CompiledInstruction[instructionCount];
        for (var i = 0; i < instructionCount; i++)
        {
            var programIndex = reader.ReadByte();
            var accounts = reader.ReadBytes(reader.ReadShortVec()).ToArray();
            var data = reader.ReadBytes(reader.ReadShortVec()).ToArray();
            instructions[i] = new CompiledInstruction(programIndex, accounts, data);
        }

        var lookups = new List<MessageAddressTableLookup>();
        if (version == MessageVersion.V0)
        {
            var lookupCount = reader.ReadShortVec();
            for (var i = 0; i < lookupCount; i++)
            {
                var table = new PublicKey(reader.ReadBytes(PublicKey.Length));
                var writable = reader.ReadBytes(reader.ReadShortVec()).ToArray();
                var readOnly = reader.ReadBytes(reader.ReadShortVec()).ToArray();
                lookups.Add(new MessageAddressTableLookup(table, writable, readOnly));
            }
        }

        try
        {
            return new Message(version, header, keys, blockhash, instructions, lookups);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static PublicKey Load(AddressLookupTable table, byte index) =>
        index < table.Addresses.Count
            ? table.Addresses[index]
            : throw new InvalidOperationException($"Index {index} is past the end of lookup table {table.Key} ({table.Addresses.Count} addresses).");

    private static PublicKey KeyAt(IReadOnlyList<PublicKey> keys, int index) =>
        index < keys.Count ? keys[index] : throw new InvalidOperationException($"Account index {index} is past the {keys.Count} keys.");

    private static void WriteBytes(Stream output, byte[] bytes)
    {
        ShortVec.Write(output, bytes.Length);
        output.Write(bytes);
    }
}

/// <summary>Sequential reads over a byte span that throw <see cref="FormatException"/> instead of running past the end.</summary>
internal ref struct SpanReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> bytes = bytes;
    private int position;

    public readonly bool AtEnd => position == bytes.Length;

    public byte ReadByte()
    {
        if (position >= bytes.Length)
        {
            throw new FormatException("Input ends early.");
        }

        return bytes[position++];
    }

    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count > bytes.Length - position)
        {
            throw new FormatException($"Input ends early: {count} bytes wanted, {bytes.Length - position} left.");
        }

        var slice = bytes.Slice(position, count);
        position += count;
        return slice;
    }

    public int ReadShortVec()
    {
        var value = ShortVec.Decode(bytes[position..], out var read);
        position += read;
        return value;
    }
}
