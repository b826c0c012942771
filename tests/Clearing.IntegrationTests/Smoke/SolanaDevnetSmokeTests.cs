using System.Text.Json;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Signing;
using Clearing.TestKit;
using Xunit.Abstractions;

namespace Clearing.IntegrationTests.Smoke;

[Trait("RealComponent", "true")]
public sealed class SolanaDevnetSmokeTests(SolanaDevnetFixture fixture, ITestOutputHelper output) : IClassFixture<SolanaDevnetFixture>
{
    private const ulong OneSolLamports = 1_000_000_000;
    private static readonly object Finalized = new Dictionary<string, object> { ["commitment"] = "finalized", ["encoding"] = "json", ["maxSupportedTransactionVersion"] = 0 };

    [Fact]
    public async Task An_airdrop_and_a_sol_transfer_are_read_back_with_getTransaction_at_finalized()
    {
        var devnet = fixture.Devnet;
        output.WriteLine($"{devnet.Banner}");
        var payer = Keypair.Generate();
        var recipient = Keypair.Generate();

        var airdrop = (await devnet.Rpc.CallAsync("requestAirdrop", payer.PublicKey.ToString(), 2 * OneSolLamports)).GetString()!;
        await FinalizeAsync(devnet, airdrop);
        var airdropTx = await devnet.Rpc.CallAsync("getTransaction", airdrop, Finalized);
        Assert.Equal(JsonValueKind.Null, airdropTx.GetProperty("meta").GetProperty("err").ValueKind);

        // A SOL transfer built and signed by our own Solana code, executed by the real Solana VM.
        var blockhash = (await devnet.Rpc.CallAsync("getLatestBlockhash", new Dictionary<string, string> { ["commitment"] = "finalized" }))
            .GetProperty("value").GetProperty("blockhash").GetString()!;
        var message = MessageCompiler.CompileLegacy(payer.PublicKey, blockhash, [SystemProgram.Transfer(payer.PublicKey, recipient.PublicKey, OneSolLamports / 4)]);
        var transaction = Transaction.Sign(message, payer);
        var signature = (await devnet.Rpc.CallAsync("sendTransaction", transaction.ToBase64(), new Dictionary<string, string> { ["encoding"] = "base64" })).GetString()!;
        Assert.Equal(transaction.Id, signature);

        // Not yet visible at finalized: the devnet's finalized commitment trails processed.
        Assert.Equal(JsonValueKind.Null, (await devnet.Rpc.CallAsync("getTransaction", signature, Finalized)).ValueKind);
        await FinalizeAsync(devnet, signature);

        var read = await devnet.Rpc.CallAsync("getTransaction", signature, Finalized);
        var meta = read.GetProperty("meta");
        Assert.Equal(JsonValueKind.Null, meta.GetProperty("err").ValueKind);
        var keys = read.GetProperty("transaction").GetProperty("message").GetProperty("accountKeys").EnumerateArray().Select(k => k.GetString()).ToList();
        var recipientIndex = keys.IndexOf(recipient.PublicKey.ToString());
        Assert.Equal(0UL, meta.GetProperty("preBalances")[recipientIndex].GetUInt64());
        Assert.Equal(OneSolLamports / 4, meta.GetProperty("postBalances")[recipientIndex].GetUInt64());
        var balance = await devnet.Rpc.CallAsync("getBalance", recipient.PublicKey.ToString(), new Dictionary<string, string> { ["commitment"] = "finalized" });
        Assert.Equal(OneSolLamports / 4, balance.GetProperty("value").GetUInt64());
        output.WriteLine($"transfer {signature} finalized at slot {read.GetProperty("slot").GetUInt64()}");
    }

    /// <summary>Advances slots until <paramref name="signature"/> is finalized, with a deadline.</summary>
    private static Task FinalizeAsync(SolanaDevnet devnet, string signature) =>
        Wait.UntilAsync(
            async () =>
            {
                await devnet.AdvanceSlotsAsync(1);
                var statuses = await devnet.Rpc.CallAsync("getSignatureStatuses", (object)new[] { signature });
                var status = statuses.GetProperty("value")[0];
                return status.ValueKind == JsonValueKind.Object && status.GetProperty("confirmationStatus").GetString() == "finalized";
            },
            TimeSpan.FromSeconds(30),
            $"{signature} to be finalized");
}
