using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Chains.Solana.Tests.Builders;

public sealed class MessageTests
{
    private const string Blockhash = "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N";

    private static readonly Keypair Payer = Keypair.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray());
    private static readonly Keypair Authority = Keypair.FromSeed(Enumerable.Repeat((byte)2, 32).ToArray());
    private static readonly PublicKey Source = Key(10);
    private static readonly PublicKey Destination = Key(11);
    private static readonly PublicKey Mint = Key(12);

    [Fact]
    public void Accounts_are_ordered_payer_then_writable_signers_readonly_signers_writable_then_readonly()
    {
        var readonlySigner = Keypair.FromSeed(Enumerable.Repeat((byte)3, 32).ToArray());
        var program = Key(20);
        var instruction = new TransactionInstruction(program,
        [
            AccountMeta.ReadOnly(Mint),
            AccountMeta.ReadOnly(readonlySigner.PublicKey, isSigner: true),
            AccountMeta.Writable(Source),
            AccountMeta.Writable(Authority.PublicKey, isSigner: true),
        ], [9]);

        var message = MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [instruction]);

        Assert.Equal(new MessageHeader(3, 1, 2), message.Header);
        Assert.Equal([Payer.PublicKey, Authority.PublicKey, readonlySigner.PublicKey, Source], message.StaticAccountKeys.Take(4));
        Assert.Equal(new HashSet<PublicKey> { Mint, program }, message.StaticAccountKeys.Skip(4).ToHashSet());
        Assert.True(message.IsWritable(1) && message.IsSigner(1));
        Assert.True(!message.IsWritable(2) && message.IsSigner(2));
        Assert.True(message.IsWritable(3) && !message.IsSigner(3));
        Assert.False(message.IsWritable(4) || message.IsWritable(5));
    }

    [Fact]
    public void An_account_named_twice_appears_once_with_its_roles_merged()
    {
        var first = new TransactionInstruction(Key(20), [AccountMeta.ReadOnly(Source), AccountMeta.ReadOnly(Authority.PublicKey, isSigner: true)], []);
        var second = new TransactionInstruction(Key(21), [AccountMeta.Writable(Source), AccountMeta.Writable(Authority.PublicKey)], []);

        var message = MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [first, second]);

        Assert.Equal(5, message.StaticAccountKeys.Count);
        var authorityIndex = IndexOf(message, Authority.PublicKey);
        var sourceIndex = IndexOf(message, Source);
        Assert.True(message.IsSigner(authorityIndex) && message.IsWritable(authorityIndex));
        Assert.True(!message.IsSigner(sourceIndex) && message.IsWritable(sourceIndex));
        Assert.Equal([sourceIndex, authorityIndex], message.Instructions[0].AccountIndexes.Select(i => (int)i));
        Assert.Equal(message.Instructions[0].AccountIndexes, message.Instructions[1].AccountIndexes);
    }

    [Fact]
    public void The_fee_payer_stays_first_even_when_an_instruction_names_it_read_only()
    {
        var instruction = new TransactionInstruction(Key(20), [AccountMeta.ReadOnly(Payer.PublicKey)], []);
        var message = MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [instruction]);
        Assert.Equal(Payer.PublicKey, message.StaticAccountKeys[0]);
        Assert.True(message.IsWritable(0) && message.IsSigner(0));
    }

    [Fact]
    public void A_writable_program_or_a_paying_program_is_refused()
    {
        var program = Key(20);
        var writesProgram = new TransactionInstruction(program, [AccountMeta.Writable(program)], []);
        Assert.Throws<InvalidOperationException>(() => MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [writesProgram]));

        var invokesPayer = new TransactionInstruction(Payer.PublicKey, [], []);
        Assert.Throws<InvalidOperationException>(() => MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [invokesPayer]));
    }

    [Fact]
    public void Legacy_message_bytes_follow_the_wire_layout()
    {
        var transfer = SystemProgram.Transfer(Payer.PublicKey, Destination, 1_000_000);
        var message = MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [transfer]);
        var bytes = message.Serialize();

        // header 01 00 01, 3 keys, blockhash, 1 instruction: program index 2, accounts [0, 1], 12 data bytes
        Assert.Equal([1, 0, 1, 3], bytes[..4]);
        Assert.Equal(Payer.PublicKey.ToByteArray(), bytes[4..36]);
        Assert.Equal(Destination.ToByteArray(), bytes[36..68]);
        Assert.Equal(ProgramIds.System.ToByteArray(), bytes[68..100]);
        Assert.Equal(Base58.Decode(Blockhash), bytes[100..132]);
        Assert.Equal([1, 2, 2, 0, 1, 12, 2, 0, 0, 0, 0x40, 0x42, 0x0f, 0, 0, 0, 0, 0], bytes[132..]);
    }

    [Fact]
    public void A_v0_message_loads_non_signers_from_lookup_tables_and_resolves_them_in_solana_order()
    {
        var table = new AddressLookupTable(Key(90), [Key(50), Mint, Destination, Source, Authority.PublicKey]);
        var transfer = TokenProgram.TransferChecked(Source, Mint, Destination, Authority.PublicKey, 5, 6);

        var message = MessageCompiler.CompileV0(Payer.PublicKey, Blockhash, [transfer], [table]);

        // The authority signs, so it stays static; the token program is invoked, so it stays static.
        Assert.Equal([Payer.PublicKey, Authority.PublicKey, ProgramIds.Token], message.StaticAccountKeys);
        var lookup = Assert.Single(message.AddressTableLookups);
        Assert.Equal(table.Key, lookup.AccountKey);
        Assert.Equal(2, lookup.WritableIndexes.Length);
        Assert.Equal([(byte)1], lookup.ReadonlyIndexes);

        var bytes = message.Serialize();
        Assert.Equal(0x80, bytes[0]);
        var decoded = Message.Deserialize(bytes);
        Assert.Equal(MessageVersion.V0, decoded.Version);
        Assert.Equal(bytes, decoded.Serialize());

        var keys = decoded.ResolveAccountKeys([table]);
        Assert.Equal(3, keys.StaticKeys.Count);
        Assert.Equal(lookup.WritableIndexes.Select(i => table.Addresses[i]), keys.Writable);
        Assert.Equal([Mint], keys.Readonly);
        var decompiled = Assert.Single(decoded.DecompileInstructions(keys.All));
        Assert.Equal(transfer.Accounts, decompiled.Accounts);
        Assert.Equal(transfer.Data, decompiled.Data);
        Assert.Equal(ProgramIds.Token, decompiled.ProgramId);
    }

    [Fact]
    public void Resolution_puts_every_tables_writable_loads_before_any_read_only_load()
    {
        var tableA = new AddressLookupTable(Key(91), [Key(60), Key(61)]);
        var tableB = new AddressLookupTable(Key(92), [Key(70), Key(71)]);
        var message = new Message(
            MessageVersion.V0, new MessageHeader(1, 0, 0), [Payer.PublicKey], Blockhash, [],
            [new MessageAddressTableLookup(tableA.Key, [1], [0]), new MessageAddressTableLookup(tableB.Key, [0], [1])]);

        var keys = message.ResolveAccountKeys([tableB, tableA]);

        Assert.Equal([Payer.PublicKey, Key(61), Key(70), Key(60), Key(71)], keys.All);
        Assert.True(message.IsWritable(1) && message.IsWritable(2));
        Assert.False(message.IsWritable(3) || message.IsWritable(4));
    }

    [Fact]
    public void Resolution_fails_for_a_missing_table_or_an_index_past_its_end()
    {
        var table = new AddressLookupTable(Key(91), [Key(60)]);
        var message = new Message(MessageVersion.V0, new MessageHeader(1, 0, 0), [Payer.PublicKey], Blockhash, [],
            [new MessageAddressTableLookup(table.Key, [1], [])]);

        Assert.Throws<InvalidOperationException>(() => message.ResolveAccountKeys([]));
        Assert.Throws<InvalidOperationException>(() => message.ResolveAccountKeys([table]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("81")] // version 1 is not supported
    [InlineData("010001")] // keys count missing
    [InlineData("0100010100")] // key truncated
    public void Malformed_messages_are_rejected(string hex)
    {
        Assert.Throws<FormatException>(() => Message.Deserialize(Convert.FromHexString(hex)));
    }

    [Fact]
    public void An_instruction_index_beyond_the_keys_is_rejected()
    {
        var bytes = MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [MemoProgram.Create("x")]).Serialize();
        bytes[^4] = 2; // the memo's program index (the last instruction: index, 0 accounts, 1 data byte, 'x')
        Assert.Throws<FormatException>(() => Message.Deserialize(bytes));
    }

    [Fact]
    public void Trailing_bytes_after_a_message_are_rejected()
    {
        var bytes = MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [MemoProgram.Create("x")]).Serialize();
        Assert.Throws<FormatException>(() => Message.Deserialize([.. bytes, 0]));
    }

    [Fact]
    public void A_header_that_claims_more_signers_than_keys_is_rejected()
    {
        Assert.Throws<FormatException>(() => Message.Deserialize(
            [.. new byte[] { 2, 0, 0, 1 }, .. Payer.PublicKey.Bytes, .. Base58.Decode(Blockhash), 0]));
    }

    [Fact]
    public void Sign_fills_each_signers_slot_and_the_transaction_round_trips()
    {
        var transfer = TokenProgram.Transfer(Source, Destination, Authority.PublicKey, 42);
        var message = MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [transfer]);

        var transaction = Transaction.Sign(message, Authority, Payer);

        Assert.True(transaction.IsFullySigned);
        Assert.True(transaction.VerifySignatures());
        Assert.Equal(Payer.Sign(message.Serialize()), transaction.Signatures[0]);
        Assert.Equal(Authority.Sign(message.Serialize()), transaction.Signatures[1]);
        Assert.Equal(Base58.Encode(transaction.Signatures[0]), transaction.Id);

        var bytes = transaction.Serialize();
        Assert.Equal(2, bytes[0]);
        var decoded = Transaction.FromBase64(transaction.ToBase64());
        Assert.Equal(bytes, decoded.Serialize());
        Assert.Equal(bytes, Base58.Decode(transaction.ToBase58()));
    }

    [Fact]
    public void Signing_needs_every_signer_and_refuses_strangers()
    {
        var message = MessageCompiler.CompileLegacy(Payer.PublicKey, Blockhash, [TokenProgram.Transfer(Source, Destination, Authority.PublicKey, 1)]);

        Assert.Throws<ArgumentException>(() => Transaction.Sign(message, Payer));
        Assert.Throws<ArgumentException>(() => Transaction.Sign(message, Payer, Authority, Keypair.FromSeed(new byte[32])));

        var partial = Transaction.Unsigned(message).PartiallySign(Payer);
        Assert.False(partial.IsFullySigned);
        Assert.True(partial.VerifySignatures());
        Assert.True(partial.PartiallySign(Authority).IsFullySigned);
    }

    private static int IndexOf(Message message, PublicKey key) => message.StaticAccountKeys.ToList().IndexOf(key);

    private static PublicKey Key(byte fill) => new(Enumerable.Repeat(fill, 32).ToArray());
}
