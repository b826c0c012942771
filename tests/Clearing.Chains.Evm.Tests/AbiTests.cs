using System.Numerics;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Tests;

public sealed class AbiTests
{
    private static readonly EvmAddress Alice = EvmAddress.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
    private static readonly EvmAddress Token = EvmAddress.Parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");

    [Theory]
    [InlineData("balanceOf(address)", "0x70a08231")]
    [InlineData("transfer(address,uint256)", "0xa9059cbb")]
    [InlineData("approve(address,uint256)", "0x095ea7b3")]
    [InlineData("decimals()", "0x313ce567")]
    [InlineData("latestRoundData()", "0xfeaf968c")]
    [InlineData("baz(uint32,bool)", "0xcdcd77c0")]
    public void Selectors_are_the_first_four_bytes_of_keccak_of_the_signature(string signature, string selector)
    {
        Assert.Equal(selector, Hex.Encode(AbiFunction.Parse(signature).Selector));
    }

    [Fact]
    public void Parameter_names_do_not_change_the_canonical_signature()
    {
        var function = AbiFunction.Parse("deposit(bytes32 account, address token, uint256 amount)");
        Assert.Equal("deposit(bytes32,address,uint256)", function.Signature);
    }

    /// <summary>The examples of the Solidity ABI specification ("Examples" and "Use of Dynamic Types").</summary>
    public static TheoryData<string, object[], string> SolidityDocExamples => new()
    {
        {
            "baz(uint32,bool)", [new BigInteger(69), true],
            "0xcdcd77c000000000000000000000000000000000000000000000000000000000000000450000000000000000000000000000000000000000000000000000000000000001"
        },
        {
            "sam(bytes,bool,uint256[])", ["dave"u8.ToArray(), true, new object[] { new BigInteger(1), new BigInteger(2), new BigInteger(3) }],
            "0xa5643bf20000000000000000000000000000000000000000000000000000000000000060000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000464617665000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000003"
        },
        {
            "f(uint256,uint32[],bytes10,bytes)", [new BigInteger(0x123), new object[] { new BigInteger(0x456), new BigInteger(0x789) }, "1234567890"u8.ToArray(), "Hello, world!"u8.ToArray()],
            "0x8be6524600000000000000000000000000000000000000000000000000000000000001230000000000000000000000000000000000000000000000000000000000000080313233343536373839300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000e0000000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000004560000000000000000000000000000000000000000000000000000000000000789000000000000000000000000000000000000000000000000000000000000000d48656c6c6f2c20776f726c642100000000000000000000000000000000000000"
        },
        {
            "g(uint256[][],string[])",
            [new object[] { new object[] { new BigInteger(1), new BigInteger(2) }, new object[] { new BigInteger(3) } }, new object[] { "one", "two", "three" }],
            "0x2289b18c000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000001400000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000a0000000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000030000000000000000000000000000000000000000000000000000000000000003000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000000000000000000000a000000000000000000000000000000000000000000000000000000000000000e000000000000000000000000000000000000000000000000000000000000000036f6e650000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000374776f000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000057468726565000000000000000000000000000000000000000000000000000000"
        },
    };

    [Theory]
    [MemberData(nameof(SolidityDocExamples))]
    public void Call_data_matches_the_solidity_specification_examples(string signature, object[] arguments, string expected)
    {
        var function = AbiFunction.Parse(signature);
        var callData = function.EncodeCall(arguments);

        Assert.Equal(expected, Hex.Encode(callData));
        Assert.Equal(callData, function.EncodeCall([.. function.DecodeCall(callData)]));
    }

    [Fact]
    public void Erc20_calls_encode_and_their_answers_decode()
    {
        Assert.Equal(
            "0xa9059cbb0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed00000000000000000000000000000000000000000000000000000000000f4240",
            Hex.Encode(Erc20Abi.EncodeTransfer(Alice, 1_000_000)));
        Assert.Equal(6, Erc20Abi.DecodeDecimals(AbiCodec.Encode("uint8", new BigInteger(6))));
        Assert.Equal(BigInteger.Pow(2, 255), Erc20Abi.DecodeBalance(AbiCodec.Encode("uint256", BigInteger.Pow(2, 255))));
    }

    [Fact]
    public void Aggregator_latest_round_data_decodes_including_a_negative_answer()
    {
        var returned = AbiCodec.Encode("uint80,int256,uint256,uint256,uint80",
            (BigInteger.One << 64) + 5, new BigInteger(-42), new BigInteger(1_700_000_000), new BigInteger(1_700_000_060), (BigInteger.One << 64) + 5);

        var round = ChainlinkAggregatorAbi.DecodeLatestRoundData(returned);

        Assert.Equal(new AggregatorRound((BigInteger.One << 64) + 5, -42, 1_700_000_000, 1_700_000_060, (BigInteger.One << 64) + 5), round);
    }

    [Fact]
    public void Deposited_log_decodes_indexed_topics_and_data()
    {
        var account = Keccak256.Hash("account-7");
        var topics = new List<byte[]>
        {
            Keccak256.Hash("Deposited(bytes32,address,uint256,address)"),
            account,
            AbiEvent.EncodeTopic(AbiAddressType.Instance, Token),
        };
        var data = AbiCodec.Encode("uint256,address", new BigInteger(1_500_000), Alice);

        var deposit = ClearingVaultAbi.DecodeDeposited(topics, data);

        Assert.Equal(account, deposit.Account);
        Assert.Equal(Token, deposit.Token);
        Assert.Equal(new BigInteger(1_500_000), deposit.Amount);
        Assert.Equal(Alice, deposit.Depositor);
    }

    [Fact]
    public void A_log_of_another_event_is_not_decoded_as_a_deposit()
    {
        var transfer = new List<byte[]> { Erc20Abi.TransferEvent.Topic0, new byte[32], new byte[32] };
        Assert.Throws<AbiDecodingException>(() => ClearingVaultAbi.DecodeDeposited(transfer, AbiCodec.Encode("uint256,address", BigInteger.One, Alice)));
    }

    [Fact]
    public void An_indexed_dynamic_parameter_comes_back_as_its_hash()
    {
        var memo = AbiEvent.Parse("Memo(string indexed text, uint8 kind)");
        var topics = new List<byte[]> { memo.Topic0, AbiEvent.EncodeTopic(AbiStringType.Instance, "hello") };

        var values = memo.Decode(topics, AbiCodec.Encode("uint8", new BigInteger(3)));

        Assert.Equal(Keccak256.Hash("hello"), values.Get<byte[]>("text"));
        Assert.Equal(new BigInteger(3), values["kind"]);
    }

    [Fact]
    public void A_revert_for_a_used_liquidation_id_is_recognized_from_its_revert_data()
    {
        var id = Keccak256.Hash("liquidation-1");
        var revert = ClearingVaultAbi.LiquidationIdUsedError.Encode(id);

        Assert.True(ClearingVaultAbi.LiquidationIdUsedError.Matches(revert));
        Assert.False(ClearingVaultAbi.WithdrawalIdUsedError.Matches(revert));
        Assert.Equal(id, (byte[])ClearingVaultAbi.LiquidationIdUsedError.Decode(revert)[0]);
    }

    [Fact]
    public void Tuples_and_fixed_arrays_round_trip()
    {
        var types = AbiSignature.ParseTypeList("(bytes32,address,uint256)[],uint16[3],(string,bool)");
        object[] values =
        [
            new object[] { new object[] { new byte[32], Alice, BigInteger.One }, new object[] { Keccak256.Hash("x"), Token, BigInteger.Zero } },
            new object[] { new BigInteger(1), new BigInteger(2), new BigInteger(65535) },
            new object[] { "ünïcødé ✓", false },
        ];

        var encoded = AbiCodec.Encode(types, values);

        Assert.Equal(encoded, AbiCodec.Encode(types, AbiCodec.Decode(types, encoded)));
    }

    [Theory]
    [InlineData("uint8", 256)]
    [InlineData("uint256", -1)]
    [InlineData("int8", 128)]
    [InlineData("int8", -129)]
    public void Values_outside_the_type_range_are_refused(string type, int value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AbiCodec.Encode(type, new BigInteger(value)));
    }

    [Theory]
    [InlineData("address", "0x0000000000000000000000015aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "dirty high bytes of an address")]
    [InlineData("bool", "0x0000000000000000000000000000000000000000000000000000000000000002", "bool that is neither 0 nor 1")]
    [InlineData("uint8", "0x0000000000000000000000000000000000000000000000000000000000000100", "uint8 above 255")]
    [InlineData("int8", "0x0000000000000000000000000000000000000000000000000000000000000080", "int8 without sign extension")]
    [InlineData("bytes4", "0x1234567800000000000000000000000000000000000000000000000000000001", "bytes4 with dirty padding")]
    [InlineData("bytes", "0x0000000000000000000000000000000000000000000000000000000000000040", "offset past the data")]
    [InlineData("bytes", "0x00000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000021", "length past the data")]
    [InlineData("uint256[]", "0x0000000000000000000000000000000000000000000000000000000000000020ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "absurd array length")]
    [InlineData("uint256", "0x00", "short word")]
    public void Malformed_abi_data_is_refused(string type, string data, string why)
    {
        Assert.Throws<AbiDecodingException>(() => AbiCodec.Decode(type, Hex.Decode(data)));
        Assert.NotEmpty(why);
    }

    [Theory]
    [InlineData("uint7")]
    [InlineData("uint264")]
    [InlineData("bytes33")]
    [InlineData("bytes0")]
    [InlineData("fixed128x18")]
    [InlineData("(uint256")]
    public void Unknown_or_malformed_types_are_refused(string type)
    {
        Assert.Throws<FormatException>(() => AbiType.Parse(type));
    }
}
