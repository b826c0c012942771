using System.Numerics;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rlp;
using Clearing.Chains.Evm.Signing;

namespace Clearing.Chains.Evm.Tests;

public sealed class TransactionTests
{
    private static readonly EvmPrivateKey Eip155Key = EvmPrivateKey.FromHex("0x" + string.Concat(Enumerable.Repeat("46", 32)));

    /// <summary>EIP-155's example: nonce 9, gasPrice 20 gwei, gas 21000, to 0x3535…35, value 1 ether, chain 1.</summary>
    private static readonly LegacyTransaction Eip155Example = new()
    {
        ChainId = 1,
        Nonce = 9,
        GasPrice = 20_000_000_000,
        GasLimit = 21_000,
        To = EvmAddress.Parse("0x3535353535353535353535353535353535353535"),
        Value = BigInteger.Pow(10, 18),
    };

    [Fact]
    public void Eip155_example_signing_data_and_hash_match_the_eip()
    {
        Assert.Equal("0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080", Hex.Encode(Eip155Example.EncodeForSigning()));
        Assert.Equal("0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53", Hex.Encode(Eip155Example.SigningHash()));
    }

    [Fact]
    public void Eip155_example_signs_to_the_transaction_given_in_the_eip()
    {
        var signed = SignedTransaction.Sign(Eip155Example, Eip155Key);

        Assert.Equal(
            "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83",
            signed.EncodedHex);
        Assert.Equal(BigInteger.Parse("18515461264373351373200002665853028612451056578545711640558177340181847433846"), signed.Signature.R);
        Assert.Equal(BigInteger.Parse("46948507304638947509940763649030358759909902576025900602547168820602576006531"), signed.Signature.S);
    }

    [Fact]
    public void Eip155_example_decodes_back_to_its_fields_and_sender()
    {
        var signed = SignedTransaction.Decode("0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83");

        Assert.Equal(Eip155Example, Assert.IsType<LegacyTransaction>(signed.Transaction) with { Data = Eip155Example.Data });
        Assert.Equal(Eip155Key.Address, signed.RecoverSender());
        Assert.Equal(Hex.Encode(Keccak256.Hash(signed.Encoded)), signed.HashHex);
    }

    /// <summary>
    /// Published signed EIP-1559 transactions, each given by its raw bytes with the transaction hash (and where
    /// published the sender) the source printed next to it.
    /// </summary>
    public static TheoryData<string, string, string, string?> PublishedEip1559 => new()
    {
        {
            "web3.js EIP-1559 ERC-20 transfer example (chain 0x1255), printed with its receipt",
            "0x02f8b282125505849502f9008506fc23ac0082894a9460e69b73db38d52c70690a8efcee30383190cdfa80b844a9059cbb000000000000000000000000911d6b77014fa58afd85be49e5148cbeaa3fee3900000000000000000000000000000000000000000000000000000000000003e8c080a04cceb2903806e9aaee870062cd55383de59fccd5caf318297f8b060f9589d44da03228ce26d9ee102810e56976ba4a48b4f04785928c59112ff0964d398a8477a7",
            "0x17f87f8daf972dd2b1060f076c264a8ee1484b7af9ef92b2fb7f4db3505696fd",
            "0x942f397b7f4391b43115395f469c63072aed6e41"
        },
        {
            "go-wemix fee delegation README, web3.js signTransaction output (chain 1112)",
            "0x02f8718204588085174876e80185174876e801830186a09482667998ae5fd9e4f4637fc805e97740c673c51782010080c001a03ede6c943ae3ef85fac0cfedb084bc809188af4568eadc910c890d8d4019ce86a04816f2b9de89beb71d58d364cc39ebd134fbff2e96652aa6a9343c33aa7d22e5",
            "0xef161a11f427548a0866e83860dd9f9d181a19cf53f1172ab327ae15fabba763",
            null
        },
    };

    [Theory]
    [MemberData(nameof(PublishedEip1559))]
    public void Published_eip1559_transactions_decode_re_encode_and_hash_as_published(string source, string raw, string hash, string? sender)
    {
        var signed = SignedTransaction.Decode(raw);

        Assert.IsType<Eip1559Transaction>(signed.Transaction);
        Assert.Equal(raw, signed.EncodedHex);
        Assert.Equal(hash, signed.HashHex);
        if (sender is not null)
        {
            Assert.Equal(sender, signed.RecoverSender().ToLowerHex());
        }

        Assert.NotEmpty(source);
    }

    /// <summary>reth's recover_signer_eip1559 test (crates/primitives/src/transaction/eip1559.rs): fields, signature, hash and signer.</summary>
    [Fact]
    public void Reth_eip1559_vector_hashes_and_recovers_its_signer()
    {
        var transaction = new Eip1559Transaction
        {
            ChainId = 1,
            Nonce = 0x42,
            GasLimit = 44386,
            To = EvmAddress.Parse("0x6069a6c32cf691f5982febae4faf8a6f3ab2f0f6"),
            Value = 0,
            Data = Hex.Decode("a22cb4650000000000000000000000005eee75727d804a2b13038928d36f8b188945a57a0000000000000000000000000000000000000000000000000000000000000000"),
            MaxFeePerGas = 0x4a817c800,
            MaxPriorityFeePerGas = 0x3b9aca00,
        };
        var signature = new EvmSignature(
            Hex.DecodeQuantity("0x840cfc572845f5786e702984c2a582528cad4b49b2a10b9db1be7fca90058565"),
            Hex.DecodeQuantity("0x25e7109ceb98168d95b09b18bbf6b685130e0562f233877d492b94eee0c5b6d1"),
            0);

        var signed = SignedTransaction.Create(transaction, signature);

        Assert.Equal("0x0ec0b6a2df4d87424e5f6ad2a654e27aaeb7dac20ae9e8385cc09087ad532ee0", signed.HashHex);
        Assert.Equal("0xdd6b8b3dc6b7ad97db52f08a275ff4483e024cea", signed.RecoverSender().ToLowerHex());
        Assert.Equal(signed.EncodedHex, SignedTransaction.Decode(signed.Encoded).EncodedHex);
    }

    [Fact]
    public void Eip1559_signing_hash_is_keccak_of_type_byte_and_rlp_of_the_nine_fields()
    {
        var transaction = new Eip1559Transaction
        {
            ChainId = 31337,
            Nonce = 7,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 30_000_000_000,
            GasLimit = 100_000,
            To = EvmAddress.Parse("0x3535353535353535353535353535353535353535"),
            Value = 5,
            Data = [0xde, 0xad],
            AccessList = [new AccessListEntry(EvmAddress.Parse("0x3535353535353535353535353535353535353535"), [new byte[32]])],
        };
        var expectedPayload = RlpCodec.Encode(RlpList.Of(
            RlpString.FromUInt(31337UL), RlpString.FromUInt(7UL), RlpString.FromUInt(1_000_000_000UL), RlpString.FromUInt(30_000_000_000UL),
            RlpString.FromUInt(100_000UL), new RlpString(Hex.Decode("0x3535353535353535353535353535353535353535")), RlpString.FromUInt(5UL),
            new RlpString([0xde, 0xad]),
            RlpList.Of(RlpList.Of(new RlpString(Hex.Decode("0x3535353535353535353535353535353535353535")), RlpList.Of(new RlpString(new byte[32]))))));

        Assert.Equal(Keccak256.Hash([0x02, .. expectedPayload]), transaction.SigningHash());
    }

    [Fact]
    public void A_signed_eip1559_transaction_round_trips_and_recovers_its_signer()
    {
        var key = EvmPrivateKey.Generate();
        var transaction = new Eip1559Transaction
        {
            ChainId = 31337,
            Nonce = 0,
            MaxPriorityFeePerGas = 1,
            MaxFeePerGas = 2,
            GasLimit = 21_000,
            To = null,
            Value = 0,
            Data = [0x60, 0x00],
        };
        var signed = SignedTransaction.Sign(transaction, key);
        var decoded = SignedTransaction.Decode(signed.Encoded);

        Assert.Equal(signed.HashHex, decoded.HashHex);
        Assert.Null(decoded.Transaction.To);
        Assert.Equal(key.Address, decoded.RecoverSender());
    }

    [Fact]
    public void A_transaction_with_high_s_is_refused_as_eip2_requires()
    {
        var signed = SignedTransaction.Sign(Eip155Example, Eip155Key);
        var highS = new EvmSignature(signed.Signature.R, Secp256k1.N - signed.Signature.S, (byte)(1 - signed.Signature.RecoveryId));
        var malleated = SignedTransaction.Create(Eip155Example, highS);

        Assert.Equal(Eip155Key.Address, malleated.RecoverSender());
        Assert.Throws<RlpException>(() => SignedTransaction.Decode(malleated.Encoded));
    }

    [Fact]
    public void A_legacy_transaction_without_chain_id_is_never_signed_but_can_be_read()
    {
        var replayable = Eip155Example with { ChainId = null };
        Assert.Throws<ArgumentException>(() => SignedTransaction.Sign(replayable, Eip155Key));

        var signature = Eip155Key.Sign(replayable.SigningHash());
        var decoded = SignedTransaction.Decode(SignedTransaction.Create(replayable, signature).Encoded);
        Assert.Null(Assert.IsType<LegacyTransaction>(decoded.Transaction).ChainId);
        Assert.Equal(Eip155Key.Address, decoded.RecoverSender());
    }

    [Fact]
    public void A_tip_above_the_fee_cap_is_refused_before_signing()
    {
        var transaction = new Eip1559Transaction
        {
            ChainId = 1, Nonce = 0, MaxPriorityFeePerGas = 3, MaxFeePerGas = 2, GasLimit = 21_000, To = null, Value = 0,
        };

        Assert.Throws<ArgumentException>(() => SignedTransaction.Sign(transaction, Eip155Key));
    }

    [Theory]
    [InlineData("0x01c0", "EIP-2930 and other types are not ours")]
    [InlineData("0x02c0", "too few fields")]
    [InlineData("0xc0", "legacy with no fields")]
    public void Unsupported_or_truncated_transactions_are_refused(string raw, string why)
    {
        Assert.Throws<RlpException>(() => SignedTransaction.Decode(raw));
        Assert.NotEmpty(why);
    }
}
