using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;
using Clearing.Chains.Solana.Vault;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Solana;

/// <summary>
/// One test's custody on the shared devnet: its own mint, depositor and vault authority (seeded from
/// <c>seed</c>, so tests in one class never see each other's history), the vault token account created, and the
/// depositor holding <see cref="MintedUnits"/>. Slots move only when the test moves them.
/// </summary>
internal sealed class SolanaVaultScenario : IDisposable
{
    public const string Chain = "solana-devnet";
    public const ulong MintedUnits = 1_000_000_000;
    public const byte Decimals = 6;
    private const ulong TenSolLamports = 10_000_000_000;

    private readonly HttpClient http = new();

    private SolanaVaultScenario(SolanaDevnet devnet, byte seed)
    {
        Devnet = devnet;
        Client = new SolanaRpcClient(http, devnet.Url);
        Depositor = Keypair.FromSeed(Seed(seed, 1));
        Mint = Keypair.FromSeed(Seed(seed, 2));
        Authority = Keypair.FromSeed(Seed(seed, 3));
        SolVault = Keypair.FromSeed(Seed(seed, 4)).PublicKey;
        DepositorTokenAccount = AssociatedTokenAccountProgram.FindAddress(Depositor.PublicKey, Mint.PublicKey);
        VaultTokenAccount = AssociatedTokenAccountProgram.FindAddress(Authority.PublicKey, Mint.PublicKey);
    }

    public SolanaDevnet Devnet { get; }

    public SolanaRpcClient Client { get; }

    public Keypair Depositor { get; }

    public Keypair Mint { get; }

    public Keypair Authority { get; }

    public PublicKey SolVault { get; }

    public PublicKey DepositorTokenAccount { get; }

    public PublicKey VaultTokenAccount { get; }

    public SolanaVaultOptions Options(int signaturesPerPage = 1000) => new()
    {
        Chain = Chain,
        VaultAuthority = Authority.PublicKey,
        Mints = new Dictionary<PublicKey, SolanaAllowedMint> { [Mint.PublicKey] = new("USDC", ProgramIds.Token, Decimals) },
        SolVault = SolVault,
        SignaturesPerPage = signaturesPerPage,
    };

    /// <summary>Funds the depositor and the authority, creates the mint and both token accounts, mints to the depositor; all finalized.</summary>
    public static async Task<SolanaVaultScenario> StartAsync(SolanaDevnet devnet, byte seed)
    {
        var scenario = new SolanaVaultScenario(devnet, seed);
        await scenario.SetUpAsync();
        return scenario;
    }

    /// <summary>A TransferChecked of <paramref name="units"/> into the vault, with each of <paramref name="memos"/> as a Memo instruction.</summary>
    public Task<string> DepositAsync(ulong units, params string[] memos) =>
        SendAsync(
            [
                TokenProgram.TransferChecked(DepositorTokenAccount, Mint.PublicKey, VaultTokenAccount, Depositor.PublicKey, units, Decimals),
                .. memos.Select(m => MemoProgram.Create(m)),
            ],
            skipPreflight: units > MintedUnits);

    /// <summary>A plain SOL transfer into the SOL vault with a memo.</summary>
    public Task<string> DepositSolAsync(ulong lamports, string memo) =>
        SendAsync([SystemProgram.Transfer(Depositor.PublicKey, SolVault, lamports), MemoProgram.Create(memo)], skipPreflight: false);

    public async Task<string> SendAsync(IReadOnlyList<TransactionInstruction> instructions, bool skipPreflight, params Keypair[] extraSigners)
    {
        var blockhash = (await Client.GetLatestBlockhashAsync(Commitment.Confirmed)).Value.Value.Blockhash;
        var transaction = Transaction.Sign(MessageCompiler.CompileLegacy(Depositor.PublicKey, blockhash, instructions), [Depositor, .. extraSigners]);
        return (await Client.SendTransactionAsync(transaction, Commitment.Confirmed, skipPreflight)).Value;
    }

    /// <summary>Advances slots until <paramref name="signature"/> is finalized, with a deadline.</summary>
    public Task FinalizeAsync(string signature) =>
        Wait.UntilAsync(
            async () =>
            {
                await Devnet.AdvanceSlotsAsync(1);
                var status = (await Client.GetSignatureStatusesAsync([signature], searchTransactionHistory: true)).Value.Value[0];
                return status?.ConfirmationStatus == "finalized";
            },
            TimeSpan.FromSeconds(60),
            $"{signature} to be finalized");

    /// <summary>Moves finalized past everything processed so far.</summary>
    public Task FinalizeEverythingAsync() => Devnet.AdvanceSlotsAsync(Devnet.FinalizedLagSlots + 1);

    public async Task<ulong> TokenBalanceAsync(PublicKey tokenAccount, Commitment commitment = Commitment.Finalized) =>
        (await Client.GetTokenAccountAsync(tokenAccount, commitment)).Value.Value?.TokenAmount.BaseUnits ?? 0;

    public void Dispose() => http.Dispose();

    private async Task SetUpAsync()
    {
        await FinalizeAsync((await Client.RequestAirdropAsync(Depositor.PublicKey, TenSolLamports, Commitment.Confirmed)).Value);
        await FinalizeAsync((await Client.RequestAirdropAsync(Authority.PublicKey, TenSolLamports, Commitment.Confirmed)).Value);
        var rent = (await Client.GetMinimumBalanceForRentExemptionAsync(TokenProgram.MintSize, Commitment.Confirmed)).Value;
        var setUp = await SendAsync(
            [
                SystemProgram.CreateAccount(Depositor.PublicKey, Mint.PublicKey, rent, TokenProgram.MintSize, ProgramIds.Token),
                TokenProgram.InitializeMint2(Mint.PublicKey, Decimals, Depositor.PublicKey, null),
                AssociatedTokenAccountProgram.CreateIdempotent(Depositor.PublicKey, Depositor.PublicKey, Mint.PublicKey),
                AssociatedTokenAccountProgram.CreateIdempotent(Depositor.PublicKey, Authority.PublicKey, Mint.PublicKey),
                TokenProgram.MintTo(Mint.PublicKey, DepositorTokenAccount, Depositor.PublicKey, MintedUnits),
            ],
            skipPreflight: false,
            Mint);
        await FinalizeAsync(setUp);
    }

    private static byte[] Seed(byte test, byte role)
    {
        var seed = new byte[32];
        seed[0] = test;
        seed[1] = role;
        seed[31] = 0x5A; // keeps these keys apart from other suites' one-byte-fill seeds
        return seed;
    }
}
