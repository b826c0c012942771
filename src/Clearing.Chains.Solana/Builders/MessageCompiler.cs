using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Builders;

/// <summary>
/// Compiles instructions, a fee payer and a recent blockhash into a <see cref="Message"/>.
/// </summary>
/// <remarks>
/// Account order, as the runtime requires: the fee payer first, then writable signers, read-only signers, writable
/// non-signers, read-only non-signers; an account named several times appears once with its roles merged. A v0
/// message then loads from the given lookup tables every account that is not a signer, not the fee payer and not an
/// invoked program (taking the first table, and the first index in it, that holds the address). Within a role,
/// keys follow @solana/kit's address order (<see cref="AddressOrder"/>) and loaded keys are grouped by table, so the
/// bytes equal kit's <c>compressTransactionMessageUsingAddressLookupTables</c> + <c>compileTransactionMessage</c>.
/// </remarks>
public static class MessageCompiler
{
    /// <summary>Account indexes are one byte.</summary>
    private const int MaxAccountKeys = 256;

    public static Message CompileLegacy(PublicKey feePayer, string recentBlockhash, IReadOnlyList<TransactionInstruction> instructions) =>
        Compile(MessageVersion.Legacy, feePayer, recentBlockhash, instructions, []);

    public static Message CompileV0(
        PublicKey feePayer,
        string recentBlockhash,
        IReadOnlyList<TransactionInstruction> instructions,
        IReadOnlyList<AddressLookupTable>? lookupTables = null) =>
        Compile(MessageVersion.V0, feePayer, recentBlockhash, instructions, lookupTables ?? []);

    private static Message Compile(
        MessageVersion version,
        PublicKey feePayer,
        string recentBlockhash,
        IReadOnlyList<TransactionInstruction> instructions,
        IReadOnlyList<AddressLookupTable> lookupTables)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        var invokedPrograms = instructions.Select(ix => ix.ProgramId).ToHashSet();
        var entries = new Dictionary<PublicKey, Entry> { [feePayer] = new(EntryKind.FeePayer, true, true, null) };
        foreach (var instruction in instructions)
        {
            UpsertProgram(entries, instruction.ProgramId, feePayer);
            foreach (var account in instruction.Accounts)
            {
                var lookup = account.IsSigner || invokedPrograms.Contains(account.Key) ? null : FindInTables(lookupTables, account.Key);
                UpsertAccount(entries, account, lookup, invokedPrograms);
            }
        }

        var ordered = entries
            .Select(e => (Key: e.Key, Text: e.Key.ToString(), Entry: e.Value))
            .Order(Comparer<(PublicKey Key, string Text, Entry Entry)>.Create(CompareEntries))
            .ToList();
        if (ordered.Count > MaxAccountKeys)
        {
            throw new InvalidOperationException($"The message names {ordered.Count} accounts; indexes are one byte, so at most {MaxAccountKeys}.");
        }

        var staticKeys = ordered.TakeWhile(a => a.Entry.Kind != EntryKind.Lookup).Select(a => a.Key).ToList();
        var header = new MessageHeader(
            (byte)ordered.Count(a => a.Entry.Kind != EntryKind.Lookup && a.Entry.IsSigner),
            (byte)ordered.Count(a => a.Entry.Kind != EntryKind.Lookup && a.Entry.IsSigner && !a.Entry.IsWritable),
            (byte)ordered.Count(a => a.Entry.Kind != EntryKind.Lookup && !a.Entry.IsSigner && !a.Entry.IsWritable));

        var lookups = ordered
            .Where(a => a.Entry.Kind == EntryKind.Lookup)
            .GroupBy(a => a.Entry.Table!.Value.Key)
            .OrderBy(g => g.Key.ToString(), AddressOrder.Instance)
            .Select(g => new MessageAddressTableLookup(
                g.Key,
                [.. g.Where(a => a.Entry.IsWritable).Select(a => a.Entry.Table!.Value.Index)],
                [.. g.Where(a => !a.Entry.IsWritable).Select(a => a.Entry.Table!.Value.Index)]))
            .ToList();

        var indexOf = new Dictionary<PublicKey, byte>();
        for (var i = 0; i < ordered.Count; i++)
        {
            indexOf[ordered[i].Key] = (byte)i;
        }

        var compiled = instructions
            .Select(ix => new CompiledInstruction(indexOf[ix.ProgramId], [.. ix.Accounts.Select(a => indexOf[a.Key])], ix.Data))
            .ToList();
        return new Message(version, header, staticKeys, recentBlockhash, compiled, lookups);
    }

    private static void UpsertProgram(Dictionary<PublicKey, Entry> entries, PublicKey programId, PublicKey feePayer)
    {
        if (entries.TryGetValue(programId, out var existing))
        {
            if (existing.IsWritable)
            {
                throw new InvalidOperationException(programId == feePayer
                    ? $"The fee payer {programId} cannot be an invoked program."
                    : $"Invoked program {programId} must not be writable.");
            }

            if (existing.Kind == EntryKind.Static)
            {
                return;
            }
        }

        // A program must be a static key: the runtime loads programs before it reads lookup tables.
        entries[programId] = new Entry(EntryKind.Static, false, false, null);
    }

    private static void UpsertAccount(Dictionary<PublicKey, Entry> entries, AccountMeta account, TableSlot? lookup, HashSet<PublicKey> invokedPrograms)
    {
        if (!entries.TryGetValue(account.Key, out var existing))
        {
            entries[account.Key] = lookup is null
                ? new Entry(EntryKind.Static, account.IsSigner, account.IsWritable, null)
                : new Entry(EntryKind.Lookup, false, account.IsWritable, lookup);
            return;
        }

        var signer = existing.IsSigner || account.IsSigner;
        var writable = existing.IsWritable || account.IsWritable;
        entries[account.Key] = existing.Kind switch
        {
            EntryKind.FeePayer => existing, // already the highest role
            EntryKind.Lookup when account.IsSigner => new Entry(EntryKind.Static, signer, writable, null),
            EntryKind.Lookup => existing with { IsWritable = writable },
            _ when invokedPrograms.Contains(account.Key) && account.IsWritable =>
                throw new InvalidOperationException($"Invoked program {account.Key} must not be writable."),
            _ when lookup is not null && !existing.IsSigner => new Entry(EntryKind.Lookup, false, writable, lookup),
            _ => existing with { IsSigner = signer, IsWritable = writable },
        };
    }

    private static TableSlot? FindInTables(IReadOnlyList<AddressLookupTable> tables, PublicKey key)
    {
        foreach (var table in tables)
        {
            for (var i = 0; i < table.Addresses.Count && i < MaxAccountKeys; i++)
            {
                if (table.Addresses[i] == key)
                {
                    return new TableSlot(table.Key, (byte)i);
                }
            }
        }

        return null;
    }

    private static int CompareEntries((PublicKey Key, string Text, Entry Entry) left, (PublicKey Key, string Text, Entry Entry) right)
    {
        var byKind = left.Entry.Kind.CompareTo(right.Entry.Kind);
        if (byKind != 0)
        {
            return byKind;
        }

        if (left.Entry.IsSigner != right.Entry.IsSigner)
        {
            return left.Entry.IsSigner ? -1 : 1;
        }

        if (left.Entry.IsWritable != right.Entry.IsWritable)
        {
            return left.Entry.IsWritable ? -1 : 1;
        }

        if (left.Entry.Kind == EntryKind.Lookup && left.Entry.Table!.Value.Key != right.Entry.Table!.Value.Key)
        {
            return AddressOrder.Instance.Compare(left.Entry.Table.Value.Key.ToString(), right.Entry.Table.Value.Key.ToString());
        }

        return AddressOrder.Instance.Compare(left.Text, right.Text);
    }

    /// <summary>Fee payer, then static keys, then keys loaded from lookup tables: the enum order is the key order.</summary>
    private enum EntryKind
    {
        FeePayer,
        Static,
        Lookup,
    }

    private readonly record struct TableSlot(PublicKey Key, byte Index);

    private readonly record struct Entry(EntryKind Kind, bool IsSigner, bool IsWritable, TableSlot? Table);
}
