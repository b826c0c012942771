using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;

namespace Clearing.Chains.Solana.Tests.Encoding;

public sealed class PublicKeyTests
{
    private static readonly PublicKey UpgradeableLoader = PublicKey.Parse("BPFLoaderUpgradeab1e11111111111111111111111");

    [Fact]
    public void Parse_and_ToString_round_trip_and_reject_wrong_lengths()
    {
        var key = PublicKey.Parse("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
        Assert.Equal("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", key.ToString());
        Assert.False(PublicKey.TryParse("2g", out _)); // one byte
        Assert.False(PublicKey.TryParse("0OIl", out _));
        Assert.Throws<FormatException>(() => PublicKey.Parse("11111111111111111111111111111111111"));
        Assert.Equal(PublicKey.Default, PublicKey.Parse("11111111111111111111111111111111"));
    }

    [Fact]
    public void Equal_bytes_are_equal_keys_with_equal_hashes()
    {
        var a = PublicKey.Parse("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
        var b = new PublicKey(a.ToByteArray());
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, ProgramIds.Token);
    }

    // RFC 8032 §7.1 public keys are points on the curve.
    [Theory]
    [InlineData("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")]
    [InlineData("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")]
    [InlineData("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025")]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000")] // y = 1: the neutral element
    public void Ed25519_public_keys_are_on_the_curve(string hex)
    {
        Assert.True(Ed25519Curve.IsOnCurve(Convert.FromHexString(hex)));
    }

    // Where RFC 8032's strict decoding rejects but curve25519-dalek (which the runtime's create_program_address
    // runs) decodes: y ≥ p is reduced, and the sign bit is not checked against x = 0.
    [Theory]
    [InlineData("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")] // y = p ≡ 0: x² = −1 has a root
    [InlineData("0100000000000000000000000000000000000000000000000000000000000080")] // y = 1, x = 0, sign bit set
    [InlineData("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")] // y = −1, x = 0, sign bit set
    public void Non_canonical_encodings_the_runtime_decodes_count_as_on_the_curve(string hex)
    {
        Assert.True(Ed25519Curve.IsOnCurve(Convert.FromHexString(hex)));
    }

    [Theory]
    [InlineData("0200000000000000000000000000000000000000000000000000000000000000")] // y = 2: (4 − 1) / (4d + 1) is not a square
    [InlineData("")]
    [InlineData("01")]
    public void Non_points_and_wrong_lengths_are_off_the_curve(string hex)
    {
        Assert.False(Ed25519Curve.IsOnCurve(Convert.FromHexString(hex)));
    }

    // Program-derived addresses from the Solana SDK's create_program_address tests are off the curve.
    [Theory]
    [InlineData("BwqrghZA2htAcqq8dzP1WDAhTXYTYWj7CHxF5j7TDBAe")]
    [InlineData("13yWmRpaTR4r5nAktwLqMpRNr28tnVUZw26rTvPSSB19")]
    [InlineData("2fnQrngrQT4SeLcdToJAD96phoEjNL2man2kfRLCASVk")]
    [InlineData("976ymqVnfE32QFe6NfGDctSvVa36LWnvYxhU6G2232YL")]
    public void Program_derived_addresses_are_off_the_curve(string address)
    {
        Assert.False(PublicKey.Parse(address).IsOnCurve);
    }

    public static TheoryData<byte[][], string> SdkProgramAddressVectors => new()
    {
        { [[], [1]], "BwqrghZA2htAcqq8dzP1WDAhTXYTYWj7CHxF5j7TDBAe" },
        { [System.Text.Encoding.UTF8.GetBytes("☉"), [0]], "13yWmRpaTR4r5nAktwLqMpRNr28tnVUZw26rTvPSSB19" },
        { [System.Text.Encoding.UTF8.GetBytes("Talking"), System.Text.Encoding.UTF8.GetBytes("Squirrels")], "2fnQrngrQT4SeLcdToJAD96phoEjNL2man2kfRLCASVk" },
        { [PublicKey.Parse("SeedPubey1111111111111111111111111111111111").ToByteArray(), [1]], "976ymqVnfE32QFe6NfGDctSvVa36LWnvYxhU6G2232YL" },
    };

    [Theory]
    [MemberData(nameof(SdkProgramAddressVectors))]
    public void Create_program_address_matches_the_solana_sdk_vectors(byte[][] seeds, string expected)
    {
        Assert.True(PublicKey.TryCreateProgramAddress(seeds, UpgradeableLoader, out var address));
        Assert.Equal(expected, address.ToString());
    }

    [Fact]
    public void Create_program_address_enforces_the_seed_limits()
    {
        Assert.Throws<ArgumentException>(() => PublicKey.TryCreateProgramAddress([new byte[33]], UpgradeableLoader, out _));
        Assert.Throws<ArgumentException>(() =>
            PublicKey.TryCreateProgramAddress([.. Enumerable.Range(0, 17).Select(i => new[] { (byte)i })], UpgradeableLoader, out _));
        Assert.True(PublicKey.TryCreateProgramAddress([.. Enumerable.Range(0, 16).Select(i => new[] { (byte)i })], UpgradeableLoader, out _));
        Assert.Throws<ArgumentException>(() =>
            PublicKey.FindProgramAddress([.. Enumerable.Range(0, 16).Select(i => new[] { (byte)i })], UpgradeableLoader));
    }

    [Fact]
    public void Find_program_address_takes_the_highest_bump_that_is_off_the_curve()
    {
        var random = new Random(255);
        var sawSkippedBump = false;
        for (var i = 0; i < 64; i++)
        {
            var seed = new byte[random.Next(0, 33)];
            random.NextBytes(seed);
            var (address, bump) = PublicKey.FindProgramAddress([seed], ProgramIds.AssociatedTokenAccount);
            Assert.True(PublicKey.TryCreateProgramAddress([seed, [bump]], ProgramIds.AssociatedTokenAccount, out var recreated));
            Assert.Equal(address, recreated);
            for (var higher = 255; higher > bump; higher--)
            {
                sawSkippedBump = true;
                Assert.False(PublicKey.TryCreateProgramAddress([seed, [(byte)higher]], ProgramIds.AssociatedTokenAccount, out _));
            }
        }

        Assert.True(sawSkippedBump, "about half of all hashes are on the curve, so some bump 255 must be skipped");
    }

    // Published associated token addresses (Trust Wallet core, solders, Solana.Swift tests).
    [Theory]
    [InlineData("B1iGmDJdvmxyUiYM8UEo2Uw2D58EmUrw4KyLYMmrhf8V", "SRMuApVNdxXokk5GT7XD5cUUgXMBCoAz2LHeuAoKWRt", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "EDNd1ycsydWYwVmrYZvqYazFqwk1QjBgAUKFjBoz1jKP")]
    [InlineData("FtsZbVDYGBUw4R5Rcy8p58RAdYRFUJcAiBRdQAona7t1", "FQYWEccPpAVR5Q16FKoTFUa6z8BWzdK5eh3D586fdQbM", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "2XGUJePx3CJSYQvAQcSgLf7xpjCdMUgx8LNaSCUhE2LS")]
    [InlineData("74nsHsFivzUPLEygULuZLs193MnDNZfnKrSEkgA4qkY7", "FQYWEccPpAVR5Q16FKoTFUa6z8BWzdK5eh3D586fdQbM", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "823YRj6GozU23rwSyd1f78vPopVoQPCeK79ppWCu5SYQ")]
    [InlineData("3h1zGmCwsRJnVk5BuRNMLsPaQu1y2aqXqXDWYCgrp5UG", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "3uetDDizgTtadDHZzyy9BqxrjQcozMEkxzbKhfZF4tG3")]
    [InlineData("5d21Nx19eZBThbExCn1ESAk3RGmE8Rdp9PKMWZ2VedSK", "3CqfBkrmRsK3uXZaxktvTeeBkJp4yeFKs4mUi2jhKExz", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "Aumq2SPVzZccYL3UAhvXoDDkNYLZr2zpyxLuJiyx79te")]
    [InlineData("5d21Nx19eZBThbExCn1ESAk3RGmE8Rdp9PKMWZ2VedSK", "3CqfBkrmRsK3uXZaxktvTeeBkJp4yeFKs4mUi2jhKExz", "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb", "4xoV4cxTM3GcaWP7bKbUdu2Gp9P9nEgpmCPV8ykFGo4U")]
    public void Associated_token_addresses_match_published_vectors(string wallet, string mint, string tokenProgram, string expected)
    {
        var address = AssociatedTokenAccountProgram.FindAddress(PublicKey.Parse(wallet), PublicKey.Parse(mint), PublicKey.Parse(tokenProgram));
        Assert.Equal(expected, address.ToString());
    }
}
