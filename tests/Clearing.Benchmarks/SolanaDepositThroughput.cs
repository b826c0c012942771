using System.Diagnostics;
using System.Globalization;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;
using Clearing.Chains.Solana.Vault;
using Clearing.TestKit;

namespace Clearing.Benchmarks;

/// <summary>
/// `dotnet run -c Release -- solana-deposits [deposits] [rounds] [signatures per page]`: finalized SPL token deposits
/// credited per second from the Solana devnet (litesvm behind deploy/devnet/solana-rpc.mjs) into a real PostgreSQL,
/// through the production path (SolanaDepositWatcher → DurableDepositSink → ChainDepositsGrain → one
/// transaction of cursor, credits and inbox rows → account absorbs). The deposits are made once (TransferChecked into the
/// vault token account with the account id as memo, then finalized); each round credits all of them in one watcher
/// poll into a fresh database on a fresh host, and is timed. The same shape as <see cref="EvmDepositThroughput"/>.
/// </summary>
internal static class SolanaDepositThroughput
{
    private const string Chain = "bench-solana";
    private const byte Decimals = 6;

    /// <summary>Distinct margin accounts the deposits are spread over (round robin).</summary>
    private const int Accounts = 200;

    private const ulong TenSolLamports = 10_000_000_000;

    /// <summary>Slots move only when the benchmark moves them (one hour per slot on the devnet's own clock).</summary>
    private const int SlotMilliseconds = 3_600_000;

    private const int FinalizedLagSlots = 8;

    /// <summary>Deposits signed against one fetched blockhash (slots do not move while depositing, so it stays valid).</summary>
    private const int DepositsPerBlockhash = 100;

    public static int Run(string[] args)
    {
        var deposits = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var signaturesPerPage = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1_000;
        return RunAsync(deposits, rounds, signaturesPerPage).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int deposits, int rounds, int signaturesPerPage)
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var devnet = await SolanaDevnet.StartAsync(FinalizedLagSlots, SlotMilliseconds);
        using var http = new HttpClient();
        var client = new SolanaRpcClient(http, devnet.Url);
        var custody = new BenchCustody(client);

        var setup = Stopwatch.StartNew();
        await custody.SetUpAsync(devnet, deposits);
        var sending = Stopwatch.StartNew();
        var last = await custody.DepositAsync(deposits);
        sending.Stop();
        await custody.FinalizeAsync(devnet, last);
        var finalizedSlot = (await client.GetSlotAsync(Commitment.Finalized)).Value;
        Console.WriteLine(
            $"setup: {deposits:N0} memo'd deposits over {Accounts} accounts sent in {sending.Elapsed.TotalSeconds:F1} s " +
            $"({sending.Elapsed.TotalMilliseconds / deposits:F1} ms per sendTransaction), finalized through slot {finalizedSlot}, setup {setup.Elapsed.TotalSeconds:F1} s in all");

        var options = custody.Options(signaturesPerPage);
        for (var round = 1; round <= rounds; round++)
        {
            var measured = await DepositBenchmarkHost.MeasureRoundAsync(postgres, Chain, Decimals, round, deposits, async sink =>
            {
                var result = await new SolanaDepositWatcher(client, options, sink).PollOnceAsync(CancellationToken.None);
                return (result.FinalCommitted, $" ({result.FinalTransactions:N0} vault transactions)");
            });
            if (!measured)
            {
                return 1;
            }
        }

        return 0;
    }

    /// <summary>
    /// The benchmark's custody on the devnet (contracts/solana/README.md): a 6-decimal mint, a depositor holding
    /// enough of it, a vault authority and its associated token account (the vault). Fixed seeds, so every run
    /// makes the same keys.
    /// </summary>
    private sealed class BenchCustody(SolanaRpcClient client)
    {
        private readonly Keypair depositor = Keypair.FromSeed(Seed(1));
        private readonly Keypair mint = Keypair.FromSeed(Seed(2));
        private readonly Keypair authority = Keypair.FromSeed(Seed(3));

        private PublicKey DepositorTokenAccount => AssociatedTokenAccountProgram.FindAddress(depositor.PublicKey, mint.PublicKey);

        private PublicKey VaultTokenAccount => AssociatedTokenAccountProgram.FindAddress(authority.PublicKey, mint.PublicKey);

        public SolanaVaultOptions Options(int signaturesPerPage) => new()
        {
            Chain = Chain,
            VaultAuthority = authority.PublicKey,
            Mints = new Dictionary<PublicKey, SolanaAllowedMint> { [mint.PublicKey] = new("USDC", ProgramIds.Token, Decimals) },
            SignaturesPerPage = signaturesPerPage,
        };

        /// <summary>Funds the depositor, creates the mint and both token accounts and mints what <paramref name="deposits"/> deposits need.</summary>
        public async Task SetUpAsync(SolanaDevnet devnet, int deposits)
        {
            await FinalizeAsync(devnet, (await client.RequestAirdropAsync(depositor.PublicKey, TenSolLamports, Commitment.Confirmed)).Value);
            var rent = (await client.GetMinimumBalanceForRentExemptionAsync(TokenProgram.MintSize, Commitment.Confirmed)).Value;
            var created = await SendAsync(
                await LatestBlockhashAsync(),
                [
                    SystemProgram.CreateAccount(depositor.PublicKey, mint.PublicKey, rent, TokenProgram.MintSize, ProgramIds.Token),
                    TokenProgram.InitializeMint2(mint.PublicKey, Decimals, depositor.PublicKey, null),
                    AssociatedTokenAccountProgram.CreateIdempotent(depositor.PublicKey, depositor.PublicKey, mint.PublicKey),
                    AssociatedTokenAccountProgram.CreateIdempotent(depositor.PublicKey, authority.PublicKey, mint.PublicKey),
                    TokenProgram.MintTo(mint.PublicKey, DepositorTokenAccount, depositor.PublicKey, Amount(deposits) * (ulong)deposits),
                ],
                mint);
            await FinalizeAsync(devnet, created);
        }

        /// <summary>Advances slots until <paramref name="signature"/> is finalized, with a deadline.</summary>
        public Task FinalizeAsync(SolanaDevnet devnet, string signature) =>
            Wait.UntilAsync(
                async () =>
                {
                    await devnet.AdvanceSlotsAsync(1);
                    var status = (await client.GetSignatureStatusesAsync([signature], searchTransactionHistory: true)).Value.Value[0];
                    return status?.ConfirmationStatus == "finalized";
                },
                TimeSpan.FromSeconds(60),
                $"{signature} to be finalized");

        /// <summary>
        /// <paramref name="deposits"/> TransferChecked deposits into the vault, each with its account id as memo, round
        /// robin over <see cref="Accounts"/> accounts; distinct amounts keep transactions under one blockhash distinct.
        /// </summary>
        /// <returns>The last deposit's signature.</returns>
        public async Task<string> DepositAsync(int deposits)
        {
            var blockhash = string.Empty;
            var last = string.Empty;
            for (var sent = 0; sent < deposits; sent++)
            {
                if (sent % DepositsPerBlockhash == 0)
                {
                    blockhash = await LatestBlockhashAsync();
                }

                last = await SendAsync(
                    blockhash,
                    [
                        TokenProgram.TransferChecked(DepositorTokenAccount, mint.PublicKey, VaultTokenAccount, depositor.PublicKey, Amount(sent), Decimals),
                        MemoProgram.Create($"bench-{sent % Accounts:D3}"),
                    ]);
            }

            return last;
        }

        /// <summary>1.000000 USDC plus the deposit's index in base units.</summary>
        private static ulong Amount(int index) => 1_000_000 + (ulong)index;

        private async Task<string> LatestBlockhashAsync() => (await client.GetLatestBlockhashAsync(Commitment.Confirmed)).Value.Value.Blockhash;

        private async Task<string> SendAsync(string blockhash, IReadOnlyList<TransactionInstruction> instructions, params Keypair[] extraSigners)
        {
            var transaction = Transaction.Sign(MessageCompiler.CompileLegacy(depositor.PublicKey, blockhash, instructions), [depositor, .. extraSigners]);
            // Preflight on, and Value throws on an RPC failure: a rejected deposit stops the setup instead of skewing N.
            return (await client.SendTransactionAsync(transaction, Commitment.Confirmed, skipPreflight: false)).Value;
        }

        private static byte[] Seed(byte role)
        {
            var seed = new byte[32];
            seed[0] = 0xBE; // the benchmark's keys, apart from the test suites' seeds
            seed[1] = role;
            return seed;
        }
    }
}
