using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;
using Clearing.TestKit;

namespace Clearing.Chains.Solana.Tests.Rpc;

/// <summary>
/// Our client, messages and signatures against a real Solana VM (the LiteSVM devnet of deploy/devnet): a mint and
/// vault account set up, then a memo'd TransferChecked deposit through an address lookup table, read back at finalized.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class DevnetRpcTests(SolanaDevnetFixture fixture) : IClassFixture<SolanaDevnetFixture>
{
    private const ulong OneSolLamports = 1_000_000_000;
    private const ulong MintedUnits = 1_000_000_000;
    private const ulong DepositUnits = 250_000_000;
    private const byte Decimals = 6;
    private static readonly PublicKey AddressLookupTableProgram = PublicKey.Parse("AddressLookupTab1e1111111111111111111111111");

    [Fact]
    public async Task A_memo_deposit_through_a_lookup_table_is_executed_and_read_back_at_finalized()
    {
        var devnet = fixture.Devnet;
        using var http = new HttpClient();
        var client = new SolanaRpcClient(http, devnet.Url);
        var depositor = Keypair.FromSeed(Seed(1));
        var mint = Keypair.FromSeed(Seed(2));
        var vaultAuthority = Keypair.FromSeed(Seed(3));
        var depositorAta = AssociatedTokenAccountProgram.FindAddress(depositor.PublicKey, mint.PublicKey);
        var vaultAta = AssociatedTokenAccountProgram.FindAddress(vaultAuthority.PublicKey, mint.PublicKey);

        Assert.Equal("ok", (await client.GetHealthAsync()).Value);
        Assert.False(string.IsNullOrEmpty((await client.GetVersionAsync()).Value.SolanaCore));

        var airdrop = (await client.RequestAirdropAsync(depositor.PublicKey, 10 * OneSolLamports, Commitment.Confirmed)).Value;
        await FinalizeAsync(client, devnet, airdrop);
        Assert.Equal(10 * OneSolLamports, (await client.GetBalanceAsync(depositor.PublicKey, Commitment.Finalized)).Value.Value);

        // Set-up: a mint, the depositor's and the vault's associated token accounts, tokens minted to the depositor.
        var rent = (await client.GetMinimumBalanceForRentExemptionAsync(TokenProgram.MintSize, Commitment.Confirmed)).Value;
        var setUp = Transaction.Sign(
            MessageCompiler.CompileV0(depositor.PublicKey, await BlockhashAsync(client),
            [
                ComputeBudgetProgram.SetComputeUnitLimit(400_000),
                ComputeBudgetProgram.SetComputeUnitPrice(1),
                SystemProgram.CreateAccount(depositor.PublicKey, mint.PublicKey, rent, TokenProgram.MintSize, ProgramIds.Token),
                TokenProgram.InitializeMint2(mint.PublicKey, Decimals, depositor.PublicKey, null),
                AssociatedTokenAccountProgram.CreateIdempotent(depositor.PublicKey, depositor.PublicKey, mint.PublicKey),
                AssociatedTokenAccountProgram.Create(depositor.PublicKey, vaultAuthority.PublicKey, mint.PublicKey),
                TokenProgram.MintTo(mint.PublicKey, depositorAta, depositor.PublicKey, MintedUnits),
            ]),
            depositor, mint);
        var setUpSignature = (await client.SendTransactionAsync(setUp, Commitment.Confirmed)).Value;
        Assert.Equal(setUp.Id, setUpSignature);
        await FinalizeAsync(client, devnet, setUpSignature);

        // The lookup table holds the vault account and the mint (the 56-byte LookupTableMeta, then the addresses).
        var table = new AddressLookupTable(Keypair.FromSeed(Seed(4)).PublicKey, [PublicKey.Default, vaultAta, mint.PublicKey]);
        await devnet.Rpc.CallAsync("devnet_setAccount", table.Key.ToString(), new Dictionary<string, object>
        {
            ["lamports"] = 10_000_000,
            ["data"] = Convert.ToBase64String(LookupTableAccountData(table.Addresses)),
            ["owner"] = AddressLookupTableProgram.ToString(),
        });

        var transfer = TokenProgram.TransferChecked(depositorAta, mint.PublicKey, vaultAta, depositor.PublicKey, DepositUnits, Decimals);
        var deposit = Transaction.Sign(
            MessageCompiler.CompileV0(depositor.PublicKey, await BlockhashAsync(client), [transfer, MemoProgram.Create("acct-7")], [table]),
            depositor);
        Assert.Single(deposit.Message.AddressTableLookups);
        var simulation = (await client.SimulateTransactionAsync(deposit, Commitment.Confirmed, sigVerify: true)).Value.Value;
        Assert.False(simulation.Failed, string.Join(Environment.NewLine, simulation.Logs ?? []));

        var depositSignature = (await client.SendTransactionAsync(deposit, Commitment.Confirmed)).Value;
        Assert.Null((await client.GetTransactionAsync(depositSignature, Commitment.Finalized)).Value); // not final yet
        await FinalizeAsync(client, devnet, depositSignature);

        var read = (await client.GetTransactionAsync(depositSignature, Commitment.Finalized)).Value!;
        Assert.Equal("0", read.Version);
        var meta = read.Meta!;
        Assert.False(meta.Failed);
        Assert.Equal(5000ul, meta.Fee); // one signature, no priority fee
        Assert.Equal([vaultAta], meta.LoadedAddresses!.Writable);
        Assert.Equal([mint.PublicKey], meta.LoadedAddresses.Readonly);
        var instructions = read.DecompileInstructions();
        Assert.Equal(new TokenTransferChecked(ProgramIds.Token, depositorAta, mint.PublicKey, vaultAta, depositor.PublicKey, DepositUnits, Decimals), TokenProgram.Decode(instructions[0]));
        Assert.Equal("acct-7", MemoProgram.Decode(instructions[1])!.Text);
        var vaultIndex = read.AllAccountKeys.ToList().IndexOf(vaultAta);
        var pre = meta.PreTokenBalances!.Single(b => b.AccountIndex == vaultIndex).UiTokenAmount.BaseUnits;
        var post = meta.PostTokenBalances!.Single(b => b.AccountIndex == vaultIndex);
        Assert.Equal(DepositUnits, post.UiTokenAmount.BaseUnits - pre);
        Assert.Equal(vaultAuthority.PublicKey, post.Owner);

        var signatures = (await client.GetSignaturesForAddressAsync(vaultAta, Commitment.Finalized, limit: 10)).Value;
        Assert.Equal(depositSignature, signatures[0].Signature);
        Assert.Contains("acct-7", signatures[0].Memo);
        Assert.Equal([setUpSignature], (await client.GetSignaturesForAddressAsync(vaultAta, Commitment.Finalized, before: depositSignature)).Value.Select(s => s.Signature));

        var vault = (await client.GetTokenAccountAsync(vaultAta, Commitment.Finalized)).Value.Value!;
        Assert.Equal((mint.PublicKey, vaultAuthority.PublicKey, DepositUnits), (vault.Mint, vault.Owner, vault.TokenAmount.BaseUnits));
        Assert.Equal(DepositUnits, (await client.GetTokenAccountBalanceAsync(vaultAta, Commitment.Finalized)).Value.Value.BaseUnits);
        var raw = (await client.GetMultipleAccountsAsync([vaultAta, Keypair.FromSeed(Seed(9)).PublicKey], Commitment.Finalized)).Value.Value;
        Assert.Equal(ProgramIds.Token, raw[0]!.Owner);
        Assert.Equal((int)TokenProgram.AccountSize, raw[0]!.Data.Length);
        Assert.Equal(
            new TokenAccountData(mint.PublicKey, vaultAuthority.PublicKey, DepositUnits, null, TokenAccountState.Initialized, null, 0, null),
            TokenAccountLayout.DecodeAccount(raw[0]!.Data));
        Assert.Null(raw[1]);
        var mintAccount = (await client.GetAccountInfoAsync(mint.PublicKey, Commitment.Finalized)).Value.Value!;
        Assert.Equal(new MintData(depositor.PublicKey, MintedUnits, Decimals, true, null), TokenAccountLayout.DecodeMint(mintAccount.Data));
        var both = (await client.GetTransactionsAsync([setUpSignature, depositSignature], Commitment.Finalized)).Value;
        Assert.Equal([setUpSignature, depositSignature], both.Select(r => r.Value!.Transaction.Signatures[0]));
        Assert.Equal("finalized", (await client.GetSignatureStatusesAsync([depositSignature], searchTransactionHistory: true)).Value.Value[0]!.ConfirmationStatus);
    }

    [Fact]
    public async Task An_overdrawn_transfer_fails_preflight_with_32002_and_lands_as_failed_without_preflight()
    {
        var devnet = fixture.Devnet;
        using var http = new HttpClient();
        var client = new SolanaRpcClient(http, devnet.Url);
        var payer = Keypair.FromSeed(Seed(20));
        var recipient = Keypair.FromSeed(Seed(21)).PublicKey;
        await FinalizeAsync(client, devnet, (await client.RequestAirdropAsync(payer.PublicKey, OneSolLamports, Commitment.Confirmed)).Value);

        var overdraw = Transaction.Sign(
            MessageCompiler.CompileLegacy(payer.PublicKey, await BlockhashAsync(client), [SystemProgram.Transfer(payer.PublicKey, recipient, 5 * OneSolLamports)]),
            payer);

        var preflight = await client.SendTransactionAsync(overdraw, Commitment.Confirmed);
        Assert.Equal(RpcFailureKind.JsonRpcError, preflight.Failure!.Kind);
        Assert.Equal(-32002, preflight.Failure.Code);
        Assert.NotNull(preflight.Failure.Data);

        var landed = (await client.SendTransactionAsync(overdraw, Commitment.Confirmed, skipPreflight: true)).Value;
        await FinalizeAsync(client, devnet, landed);
        var read = (await client.GetTransactionAsync(landed, Commitment.Finalized)).Value!;
        Assert.True(read.IsLegacy);
        Assert.True(read.Meta!.Failed);
        Assert.Equal(OneSolLamports - 5000, (await client.GetBalanceAsync(payer.PublicKey, Commitment.Finalized)).Value.Value); // only the fee moved
    }

    private static async Task<string> BlockhashAsync(SolanaRpcClient client)
    {
        var latest = (await client.GetLatestBlockhashAsync(Commitment.Confirmed)).Value.Value;
        Assert.True((await client.IsBlockhashValidAsync(latest.Blockhash, Commitment.Processed)).Value.Value);
        return latest.Blockhash;
    }

    /// <summary>Advances slots until the signature is finalized, with a deadline.</summary>
    private static Task FinalizeAsync(SolanaRpcClient client, SolanaDevnet devnet, string signature) =>
        Wait.UntilAsync(
            async () =>
            {
                await devnet.AdvanceSlotsAsync(1);
                var status = (await client.GetSignatureStatusesAsync([signature], searchTransactionHistory: true)).Value.Value[0];
                return status?.ConfirmationStatus == "finalized";
            },
            TimeSpan.FromSeconds(30),
            $"{signature} to be finalized");

    /// <summary>
    /// An active address lookup table account (address-lookup-table program state): LookupTableMeta of 56 bytes —
    /// u32 discriminator 1, deactivation slot u64::MAX (active), last extended slot 0, start index 0, no authority,
    /// padding — followed by the 32-byte addresses.
    /// </summary>
    private static byte[] LookupTableAccountData(IReadOnlyList<PublicKey> addresses)
    {
        var meta = new byte[56];
        meta[0] = 1;
        meta.AsSpan(4, 8).Fill(0xff);
        return [.. meta, .. addresses.SelectMany(a => a.ToByteArray())];
    }

    private static byte[] Seed(byte fill) => Enumerable.Repeat(fill, 32).ToArray();
}
