using System.Numerics;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;

namespace Clearing.Chains.Evm.Tests;

public sealed class KeyAndAddressTests
{
    /// <summary>EIP-55's own test cases (all-caps, all-lower and mixed-case groups).</summary>
    [Theory]
    [InlineData("0x52908400098527886E0F7030069857D2E4169EE7")]
    [InlineData("0x8617E340B3D01FA5F11F306F4090FD50E238070D")]
    [InlineData("0xde709f2102306220921060314715629080e2fb77")]
    [InlineData("0x27b1fdb04752bbc536007a920d24acb045561c26")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void Checksum_matches_eip55_vectors(string expected)
    {
        var address = EvmAddress.Parse(expected.ToLowerInvariant());
        Assert.Equal(expected, address.ToChecksumString());
        Assert.Equal(address, EvmAddress.Parse(expected));
    }

    [Fact]
    public void The_zero_address_is_recognized_so_a_missing_vault_can_fail_closed()
    {
        Assert.True(EvmAddress.Parse("0x0000000000000000000000000000000000000000").IsZero);
        Assert.True(default(EvmAddress).IsZero);
        Assert.Equal(EvmAddress.Zero, default);
        Assert.False(EvmAddress.Parse("0x0000000000000000000000000000000000000001").IsZero);
    }

    [Fact]
    public void A_mixed_case_address_with_a_wrong_checksum_is_refused()
    {
        // One letter's case flipped from the EIP-55 vector 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed.
        Assert.Throws<FormatException>(() => EvmAddress.Parse("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
    }

    [Theory]
    [InlineData("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae")]
    [InlineData("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")]
    [InlineData("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedd0")]
    public void Addresses_of_the_wrong_shape_are_refused(string text)
    {
        Assert.False(EvmAddress.TryParse(text, out _));
    }

    /// <summary>EIP-155's example key 0x4646…46 signs for 0x9d8a62f6…; the address is the sender its example transaction recovers to.</summary>
    [Fact]
    public void The_eip155_example_key_has_the_known_address()
    {
        var key = EvmPrivateKey.FromHex("0x" + string.Concat(Enumerable.Repeat("46", 32)));
        Assert.Equal("0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f", key.Address.ToLowerHex());
    }

    [Fact]
    public void Private_key_one_gives_the_generator_point_address()
    {
        // 1·G: the well-known address of private key 1.
        var key = EvmPrivateKey.FromHex("0x" + new string('0', 63) + "1");
        Assert.Equal("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", key.Address.ToChecksumString());
    }

    [Theory]
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")]
    public void Keys_outside_one_to_n_minus_one_are_refused(string hex)
    {
        Assert.Throws<ArgumentException>(() => EvmPrivateKey.FromHex(hex));
    }

    /// <summary>
    /// RFC 6979 secp256k1 vectors circulated with the bitcointalk thread on deterministic signatures (topic 285142),
    /// used by python-ecdsa, trezor-crypto and others: SHA-256 of the message signed with key d, s in low form.
    /// </summary>
    [Theory]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000001", "Satoshi Nakamoto",
        "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8", "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000001", "All those moments will be lost in time, like tears in rain. Time to die...",
        "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b", "547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21")]
    [InlineData("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", "Satoshi Nakamoto",
        "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0", "6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5")]
    public void Rfc6979_signatures_match_the_published_secp256k1_vectors(string privateKey, string message, string r, string s)
    {
        var key = EvmPrivateKey.FromHex(privateKey);
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(message));

        var signature = key.Sign(hash);

        Assert.Equal(Hex.DecodeQuantity("0x" + r), signature.R);
        Assert.Equal(Hex.DecodeQuantity("0x" + s), signature.S);
        Assert.Equal(key.Address, Secp256k1.RecoverAddress(hash, signature));
    }

    [Fact]
    public void Signatures_are_deterministic_low_s_and_recover_to_the_signer()
    {
        var key = EvmPrivateKey.FromHex("0x" + string.Concat(Enumerable.Repeat("46", 32)));
        for (var i = 0; i < 64; i++)
        {
            var hash = Keccak256.Hash(BitConverter.GetBytes(i));
            var signature = key.Sign(hash);
            Assert.Equal(signature, key.Sign(hash));
            Assert.True(signature.S <= Secp256k1.HalfN, "s must be normalized to the lower half (EIP-2)");
            Assert.Equal(key.Address, Secp256k1.RecoverAddress(hash, signature));
        }
    }

    [Fact]
    public void A_signature_over_another_hash_recovers_someone_else()
    {
        var key = EvmPrivateKey.Generate();
        var signature = key.Sign(Keccak256.Hash("approve"));
        Assert.NotEqual(key.Address, Secp256k1.RecoverAddress(Keccak256.Hash("seize"), signature));
    }

    [Fact]
    public void Recovery_refuses_r_or_s_out_of_range()
    {
        var hash = Keccak256.Hash("x");
        Assert.Throws<ArgumentException>(() => Secp256k1.RecoverAddress(hash, new EvmSignature(BigInteger.Zero, BigInteger.One, 0)));
        Assert.Throws<ArgumentException>(() => Secp256k1.RecoverAddress(hash, new EvmSignature(BigInteger.One, Secp256k1.N, 0)));
    }

    [Fact]
    public void The_key_is_never_shown_by_ToString()
    {
        var key = EvmPrivateKey.Generate();
        Assert.DoesNotContain(key.ExportHex()[2..], key.ToString(), StringComparison.OrdinalIgnoreCase);
    }
}
