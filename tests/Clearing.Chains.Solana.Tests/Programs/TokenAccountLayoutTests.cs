using System.Buffers.Binary;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;

namespace Clearing.Chains.Solana.Tests.Programs;

public sealed class TokenAccountLayoutTests
{
    private static readonly PublicKey Mint = Key(1);
    private static readonly PublicKey Owner = Key(2);
    private static readonly PublicKey Delegate = Key(3);

    [Fact]
    public void A_token_account_decodes_mint_owner_amount_and_options()
    {
        var data = new byte[165];
        Mint.Bytes.CopyTo(data.AsSpan(0));
        Owner.Bytes.CopyTo(data.AsSpan(32));
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(64), ulong.MaxValue);
        data[72] = 1; // delegate: Some
        Delegate.Bytes.CopyTo(data.AsSpan(76));
        data[108] = (byte)TokenAccountState.Frozen;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(121), 5);

        var account = TokenAccountLayout.DecodeAccount(data)!;

        Assert.Equal(new TokenAccountData(Mint, Owner, ulong.MaxValue, Delegate, TokenAccountState.Frozen, null, 5, null), account);
    }

    [Theory]
    [InlineData(72, 2)] // delegate tag neither 0 nor 1
    [InlineData(108, 3)] // state beyond Frozen
    [InlineData(109, 7)] // is_native tag
    [InlineData(129, 9)] // close authority tag
    public void Invalid_tags_and_states_are_refused(int offset, byte value)
    {
        var data = new byte[165];
        data[108] = 1;
        data[offset] = value;
        Assert.Null(TokenAccountLayout.DecodeAccount(data));
    }

    [Fact]
    public void Short_data_is_not_a_token_account_or_mint()
    {
        Assert.Null(TokenAccountLayout.DecodeAccount(new byte[164]));
        Assert.Null(TokenAccountLayout.DecodeMint(new byte[81]));
    }

    [Fact]
    public void A_mint_decodes_authority_supply_decimals_and_freeze_authority()
    {
        var data = new byte[82];
        data[0] = 1;
        Owner.Bytes.CopyTo(data.AsSpan(4));
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(36), 1_000_000);
        data[44] = 6;
        data[45] = 1;

        Assert.Equal(new MintData(Owner, 1_000_000, 6, true, null), TokenAccountLayout.DecodeMint(data));
        data[45] = 2;
        Assert.Null(TokenAccountLayout.DecodeMint(data));
    }

    private static PublicKey Key(byte fill) => new(Enumerable.Repeat(fill, 32).ToArray());
}
