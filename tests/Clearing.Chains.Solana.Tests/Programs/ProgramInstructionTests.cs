using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;

namespace Clearing.Chains.Solana.Tests.Programs;

public sealed class ProgramInstructionTests
{
    private static readonly PublicKey A = Key(1);
    private static readonly PublicKey B = Key(2);
    private static readonly PublicKey C = Key(3);
    private static readonly PublicKey D = Key(4);

    [Fact]
    public void System_transfer_is_index_2_then_lamports_and_decodes_back()
    {
        var ix = SystemProgram.Transfer(A, B, 0x0102030405060708);
        Assert.Equal(ProgramIds.System, ix.ProgramId);
        Assert.Equal("020000000807060504030201", Hex(ix.Data));
        Assert.Equal([AccountMeta.Writable(A, true), AccountMeta.Writable(B)], ix.Accounts);
        Assert.Equal(new SystemTransfer(A, B, 0x0102030405060708), SystemProgram.Decode(ix));
    }

    [Fact]
    public void System_create_account_is_index_0_lamports_space_owner()
    {
        var ix = SystemProgram.CreateAccount(A, B, 1_461_600, 82, ProgramIds.Token);
        Assert.Equal(4 + 8 + 8 + 32, ix.Data.Length);
        Assert.Equal("00000000", Hex(ix.Data[..4]));
        Assert.Equal(ProgramIds.Token.ToByteArray(), ix.Data[20..]);
        Assert.Equal([AccountMeta.Writable(A, true), AccountMeta.Writable(B, true)], ix.Accounts);
        Assert.Equal(new SystemCreateAccount(A, B, 1_461_600, 82, ProgramIds.Token), SystemProgram.Decode(ix));
    }

    [Fact]
    public void Token_transfer_is_tag_3_then_amount()
    {
        var ix = TokenProgram.Transfer(A, B, C, 1_000_000);
        Assert.Equal("0340420f0000000000", Hex(ix.Data));
        Assert.Equal([AccountMeta.Writable(A), AccountMeta.Writable(B), AccountMeta.ReadOnly(C, true)], ix.Accounts);
        Assert.Equal(new TokenTransfer(ProgramIds.Token, A, B, C, 1_000_000), TokenProgram.Decode(ix));
    }

    [Fact]
    public void Token_transfer_checked_is_tag_12_amount_decimals_and_names_the_mint()
    {
        var ix = TokenProgram.TransferChecked(A, D, B, C, 250, 6, ProgramIds.Token2022);
        Assert.Equal(ProgramIds.Token2022, ix.ProgramId);
        Assert.Equal("0cfa0000000000000006", Hex(ix.Data));
        Assert.Equal([AccountMeta.Writable(A), AccountMeta.ReadOnly(D), AccountMeta.Writable(B), AccountMeta.ReadOnly(C, true)], ix.Accounts);
        Assert.Equal(new TokenTransferChecked(ProgramIds.Token2022, A, D, B, C, 250, 6), TokenProgram.Decode(ix));
    }

    [Fact]
    public void Token_mint_to_and_initializers_round_trip()
    {
        Assert.Equal(new TokenMintTo(ProgramIds.Token, A, B, C, 7), TokenProgram.Decode(TokenProgram.MintTo(A, B, C, 7)));
        Assert.Equal("07", Hex(TokenProgram.MintTo(A, B, C, 7).Data[..1]));

        var mintNoFreeze = TokenProgram.InitializeMint2(A, 9, B, null);
        Assert.Equal(1 + 1 + 32 + 1, mintNoFreeze.Data.Length);
        Assert.Equal(new TokenInitializeMint2(ProgramIds.Token, A, 9, B, null), TokenProgram.Decode(mintNoFreeze));

        var mintWithFreeze = TokenProgram.InitializeMint2(A, 6, B, C);
        Assert.Equal(1 + 1 + 32 + 1 + 32, mintWithFreeze.Data.Length);
        Assert.Equal(20, mintWithFreeze.Data[0]);
        Assert.Equal(new TokenInitializeMint2(ProgramIds.Token, A, 6, B, C), TokenProgram.Decode(mintWithFreeze));

        var account = TokenProgram.InitializeAccount3(A, B, C);
        Assert.Equal(18, account.Data[0]);
        Assert.Equal(new TokenInitializeAccount3(ProgramIds.Token, A, B, C), TokenProgram.Decode(account));
    }

    [Fact]
    public void Token_builders_refuse_a_program_that_is_not_a_token_program()
    {
        Assert.Throws<ArgumentException>(() => TokenProgram.Transfer(A, B, C, 1, ProgramIds.Memo));
    }

    [Theory]
    [InlineData("03")] // amount missing
    [InlineData("0340420f00000000")] // amount one byte short
    [InlineData("0340420f000000000000")] // one byte too many
    [InlineData("0c40420f0000000000")] // TransferChecked without decimals
    [InlineData("ff")] // unknown tag
    [InlineData("")]
    public void Malformed_or_unknown_token_data_decodes_to_null(string hex)
    {
        var ix = new TransactionInstruction(ProgramIds.Token, [AccountMeta.Writable(A), AccountMeta.Writable(B), AccountMeta.ReadOnly(C, true), AccountMeta.ReadOnly(D)], Convert.FromHexString(hex));
        Assert.Null(TokenProgram.Decode(ix));
    }

    [Fact]
    public void Decoders_ignore_other_programs_instructions()
    {
        var transfer = TokenProgram.Transfer(A, B, C, 1);
        Assert.Null(SystemProgram.Decode(transfer));
        Assert.Null(MemoProgram.Decode(transfer));
        Assert.Null(ComputeBudgetProgram.Decode(transfer));
        Assert.Null(AssociatedTokenAccountProgram.Decode(transfer));
        Assert.Null(TokenProgram.Decode(SystemProgram.Transfer(A, B, 1)));
    }

    [Fact]
    public void Token_transfer_with_too_few_accounts_decodes_to_null()
    {
        var ix = new TransactionInstruction(ProgramIds.Token, [AccountMeta.Writable(A), AccountMeta.Writable(B)], Convert.FromHexString("030100000000000000"));
        Assert.Null(TokenProgram.Decode(ix));
    }

    [Theory]
    [InlineData(false, "00")]
    [InlineData(true, "01")]
    public void Associated_token_account_create_names_the_derived_account(bool idempotent, string dataHex)
    {
        var ix = idempotent
            ? AssociatedTokenAccountProgram.CreateIdempotent(A, B, C)
            : AssociatedTokenAccountProgram.Create(A, B, C);

        Assert.Equal(dataHex, Hex(ix.Data));
        Assert.Equal(ProgramIds.AssociatedTokenAccount, ix.ProgramId);
        var ata = AssociatedTokenAccountProgram.FindAddress(B, C);
        Assert.Equal(
            [AccountMeta.Writable(A, true), AccountMeta.Writable(ata), AccountMeta.ReadOnly(B), AccountMeta.ReadOnly(C), AccountMeta.ReadOnly(ProgramIds.System), AccountMeta.ReadOnly(ProgramIds.Token)],
            ix.Accounts);
        Assert.Equal(new AssociatedTokenAccountCreate(A, ata, B, C, ProgramIds.Token, idempotent), AssociatedTokenAccountProgram.Decode(ix));
    }

    [Fact]
    public void Associated_token_account_create_with_empty_data_is_the_original_create()
    {
        var ix = AssociatedTokenAccountProgram.Create(A, B, C, ProgramIds.Token2022) with { Data = [] };
        var decoded = AssociatedTokenAccountProgram.Decode(ix);
        Assert.NotNull(decoded);
        Assert.False(decoded.Idempotent);
        Assert.Equal(ProgramIds.Token2022, decoded.TokenProgram);
        Assert.Equal(AssociatedTokenAccountProgram.FindAddress(B, C, ProgramIds.Token2022), decoded.Account);
    }

    [Theory]
    [InlineData("acct:0x1234-margin-7")]
    [InlineData("")]
    [InlineData("ünïcødé ✓ 账户")]
    public void Memo_data_is_the_utf8_text_and_signers_are_read_only_signers(string text)
    {
        var ix = MemoProgram.Create(text, A);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(text), ix.Data);
        Assert.Equal([AccountMeta.ReadOnly(A, true)], ix.Accounts);
        Assert.Equal(text, MemoProgram.Decode(ix)!.Text);
        Assert.Equal([A], MemoProgram.Decode(ix)!.Signers);
    }

    [Fact]
    public void Memo_with_invalid_utf8_decodes_to_null()
    {
        Assert.Null(MemoProgram.Decode(new TransactionInstruction(ProgramIds.Memo, [], [0xff, 0xfe])));
    }

    [Fact]
    public void Compute_budget_limit_is_tag_2_u32_and_price_is_tag_3_u64()
    {
        var limit = ComputeBudgetProgram.SetComputeUnitLimit(200_000);
        var price = ComputeBudgetProgram.SetComputeUnitPrice(1_000);
        Assert.Equal("02400d0300", Hex(limit.Data));
        Assert.Equal("03e803000000000000", Hex(price.Data));
        Assert.Empty(limit.Accounts);
        Assert.Equal(new SetComputeUnitLimit(200_000), ComputeBudgetProgram.Decode(limit));
        Assert.Equal(new SetComputeUnitPrice(1_000), ComputeBudgetProgram.Decode(price));
        Assert.Null(ComputeBudgetProgram.Decode(limit with { Data = [2, 1] }));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static PublicKey Key(byte fill) => new(Enumerable.Repeat(fill, 32).ToArray());
}
