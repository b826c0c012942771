using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Signing;
using Clearing.Chains.Solana.Vault;

namespace Clearing.IntegrationTests.Solana;

/// <summary>Pure checks of the vault options, the cursor text and the payout payload (no chain needed).</summary>
public sealed class SolanaVaultOptionsAndCursorTests
{
    private static readonly PublicKey Authority = Keypair.FromSeed(Enumerable.Repeat((byte)1, 32).ToArray()).PublicKey;
    private static readonly PublicKey Mint = Keypair.FromSeed(Enumerable.Repeat((byte)2, 32).ToArray()).PublicKey;
    private static readonly string Signature = Base58.Encode(Enumerable.Range(1, 64).Select(i => (byte)i).ToArray());

    [Theory]
    [InlineData("default-authority", "the vault authority is the default")]
    [InlineData("empty-allowlist", "the mint allowlist is empty")]
    [InlineData("foreign-program", "is neither the Token nor the Token-2022 program")]
    [InlineData("sol-vault-is-authority", "the SOL vault is the default key or the vault authority itself")]
    [InlineData("page-too-large", "SignaturesPerPage 1001 is outside 1..1000")]
    public void Validate_fails_closed(string problem, string expected)
    {
        var options = problem switch
        {
            "default-authority" => Valid() with { VaultAuthority = PublicKey.Default },
            "empty-allowlist" => Valid() with { Mints = new Dictionary<PublicKey, SolanaAllowedMint>() },
            "foreign-program" => Valid() with { Mints = new Dictionary<PublicKey, SolanaAllowedMint> { [Mint] = new("USDC", ProgramIds.System, 6) } },
            "sol-vault-is-authority" => Valid() with { SolVault = Authority },
            "page-too-large" => Valid() with { SignaturesPerPage = 1001 },
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };

        var error = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_watched_addresses_are_the_vault_token_accounts_and_the_sol_vault_never_the_authority()
    {
        var sol = Keypair.FromSeed(Enumerable.Repeat((byte)3, 32).ToArray()).PublicKey;
        var options = Valid() with { SolVault = sol };
        options.Validate();

        Assert.Equal([AssociatedTokenAccountProgram.FindAddress(Authority, Mint), sol], options.WatchedAddresses());
        Assert.DoesNotContain(Authority, options.WatchedAddresses());
    }

    [Fact]
    public void The_cursor_text_round_trips_and_rejects_malformed_entries()
    {
        var anchors = new Dictionary<PublicKey, SignatureAnchor> { [Mint] = new(Signature, 42), [Authority] = new(Signature, 7) };

        var text = SolanaWatchCursor.Format(anchors);

        Assert.Equal(anchors, SolanaWatchCursor.Parse(text));
        Assert.Empty(SolanaWatchCursor.Parse(""));
        Assert.Throws<FormatException>(() => SolanaWatchCursor.Parse($"{Mint}={Signature}"));
        Assert.Throws<FormatException>(() => SolanaWatchCursor.Parse($"{Mint}=abc@1"));
        Assert.Throws<FormatException>(() => SolanaWatchCursor.Parse($"{Mint}={Signature}@1,{Mint}={Signature}@2"));
    }

    [Theory]
    [InlineData("""{"mint":"M","recipient":"R","amount":"0"}""")]
    [InlineData("""{"mint":"M","recipient":"R","amount":"-5"}""")]
    [InlineData("""{"mint":"M","recipient":"R","amount":"18446744073709551616"}""")]
    [InlineData("""{"mint":"M","amount":"5"}""")]
    [InlineData("""not json""")]
    public void A_payout_without_mint_recipient_and_a_positive_u64_amount_is_refused(string template)
    {
        var json = template.Replace("\"M\"", $"\"{Mint}\"", StringComparison.Ordinal).Replace("\"R\"", $"\"{Authority}\"", StringComparison.Ordinal);

        Assert.Throws<FormatException>(() => SolanaPayout.Parse(json));
    }

    [Fact]
    public void A_payout_round_trips_through_its_json()
    {
        var payout = new SolanaPayout(Mint, Authority, ulong.MaxValue);

        Assert.Equal(payout, SolanaPayout.Parse(payout.ToJson()));
    }

    private static SolanaVaultOptions Valid() => new()
    {
        Chain = "solana",
        VaultAuthority = Authority,
        Mints = new Dictionary<PublicKey, SolanaAllowedMint> { [Mint] = new("USDC", ProgramIds.Token, 6) },
    };
}
