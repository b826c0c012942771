using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Server.Demo;

/// <summary>Sending a Solana transaction and waiting until it reaches a commitment, with a deadline.</summary>
public static class SolanaTransactions
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Signs with <paramref name="payer"/> (and <paramref name="extraSigners"/>), sends with preflight, waits until confirmed; returns the signature.</summary>
    public static async Task<string> SendAndConfirmAsync(
        SolanaRpcClient client, Keypair payer, IReadOnlyList<TransactionInstruction> instructions, IReadOnlyList<Keypair> extraSigners, CancellationToken cancellationToken)
    {
        var blockhash = (await client.GetLatestBlockhashAsync(Commitment.Confirmed, cancellationToken)).Value.Value.Blockhash;
        var transaction = Transaction.Sign(MessageCompiler.CompileLegacy(payer.PublicKey, blockhash, instructions), [payer, .. extraSigners]);
        var signature = (await client.SendTransactionAsync(transaction, Commitment.Confirmed, cancellationToken: cancellationToken)).Value;
        await WaitConfirmedAsync(client, signature, cancellationToken);
        return signature;
    }

    /// <summary>Waits until <paramref name="signature"/> is confirmed (or finalized); throws if it failed.</summary>
    public static async Task WaitConfirmedAsync(SolanaRpcClient client, string signature, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Deadline);
        try
        {
            while (true)
            {
                var status = (await client.GetSignatureStatusesAsync([signature], searchTransactionHistory: true, timeout.Token)).Value.Value[0];
                if (status is { ConfirmationStatus: "confirmed" or "finalized" })
                {
                    if (status.Failed)
                    {
                        throw new InvalidOperationException($"Solana transaction {signature} failed: {status.Err}");
                    }

                    return;
                }

                // A slot is 400 ms on the devnet: polling faster only loads the node.
                await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Solana transaction {signature} did not reach confirmed within {Deadline.TotalSeconds:0} s.");
        }
    }
}
