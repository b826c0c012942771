using System.CommandLine;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Server.Cli;

/// <summary>
/// <c>clearing vault init</c>: creates the Solana vault token accounts — the vault authority's associated token account
/// of every given mint, under the token program that owns the mint — paid by the authority key, and prints them.
/// CreateIdempotent makes a second run a no-op that prints the same accounts.
/// </summary>
public static class SolanaVaultInit
{
    /// <summary>How long to wait for the set-up transaction to be confirmed.</summary>
    private static readonly TimeSpan ConfirmationTimeout = TimeSpan.FromSeconds(90);

    public static Command Create()
    {
        var rpc = new Option<string>("--rpc") { Description = "JSON-RPC URL of the Solana node (http or https).", Required = true };
        var key = new Option<FileInfo>("--key") { Description = "Key file of the vault authority (`clearing keys new --chain solana`); it owns the accounts and pays for them.", Required = true };
        var mints = new Option<string[]>("--mint") { Description = "Mint to hold (repeat for several; at least one).", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command("init", "Create the Solana vault authority's token account of every mint; prints them as JSON.") { rpc, key, mints };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var authority = SolanaKeyFile.Load(parse.GetValue(key)!.FullName);
                var mintKeys = (parse.GetValue(mints) ?? []).Select(ParseMint).Distinct().ToList();
                if (mintKeys.Count == 0)
                {
                    throw new ArgumentException("give at least one --mint");
                }

                using var http = new HttpClient();
                var client = new SolanaRpcClient(http, ParseUrl(parse.GetValue(rpc)!));
                var accounts = await InitAsync(client, authority, mintKeys, cancellationToken);
                Console.Out.WriteLine(JsonSerializer.Serialize(accounts, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidDataException or InvalidOperationException or RpcException or HttpRequestException or TimeoutException)
            {
                Console.Error.WriteLine($"clearing vault init: {ex.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Creates the accounts in one transaction, waits until it is confirmed and returns what was created.</summary>
    public static async Task<SolanaVaultAccounts> InitAsync(SolanaRpcClient client, Keypair authority, IReadOnlyList<PublicKey> mints, CancellationToken cancellationToken)
    {
        var tokenPrograms = new List<PublicKey>();
        var mintAccounts = (await client.GetMultipleAccountsAsync(mints, Commitment.Confirmed, cancellationToken)).Value.Value;
        for (var i = 0; i < mints.Count; i++)
        {
            var owner = mintAccounts[i]?.Owner ?? throw new InvalidOperationException($"mint {mints[i]} does not exist (at confirmed)");
            tokenPrograms.Add(ProgramIds.IsTokenProgram(owner)
                ? owner
                : throw new InvalidOperationException($"{mints[i]} is owned by {owner}, not by the Token or Token-2022 program"));
        }

        var latest = (await client.GetLatestBlockhashAsync(Commitment.Confirmed, cancellationToken)).Value.Value;
        var transaction = Transaction.Sign(
            MessageCompiler.CompileLegacy(authority.PublicKey, latest.Blockhash,
                [.. mints.Select((mint, i) => AssociatedTokenAccountProgram.CreateIdempotent(authority.PublicKey, authority.PublicKey, mint, tokenPrograms[i]))]),
            authority);
        var signature = (await client.SendTransactionAsync(transaction, Commitment.Confirmed, cancellationToken: cancellationToken)).Value;
        await WaitConfirmedAsync(client, signature, cancellationToken);
        return new SolanaVaultAccounts(
            authority.PublicKey.ToString(),
            signature,
            [.. mints.Select((mint, i) => new SolanaVaultAccount(mint.ToString(), tokenPrograms[i].ToString(), AssociatedTokenAccountProgram.FindAddress(authority.PublicKey, mint, tokenPrograms[i]).ToString()))]);
    }

    private static async Task WaitConfirmedAsync(SolanaRpcClient client, string signature, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConfirmationTimeout);
        try
        {
            while (true)
            {
                var status = (await client.GetSignatureStatusesAsync([signature], searchTransactionHistory: false, timeout.Token)).Value.Value[0];
                if (status is { ConfirmationStatus: "confirmed" or "finalized" })
                {
                    if (status.Failed)
                    {
                        throw new InvalidOperationException($"transaction {signature} failed: {status.Err}");
                    }

                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"transaction {signature} was not confirmed within {ConfirmationTimeout.TotalSeconds} s");
        }
    }

    private static PublicKey ParseMint(string value) =>
        PublicKey.TryParse(value, out var mint) && mint != PublicKey.Default
            ? mint
            : throw new ArgumentException($"--mint '{value}' is not a base58 address.");

    private static Uri ParseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ArgumentException($"--rpc '{value}' is not an http(s) URL.");
}

/// <summary>What <c>clearing vault init</c> prints.</summary>
public sealed record SolanaVaultAccounts(string Authority, string Transaction, IReadOnlyList<SolanaVaultAccount> Accounts);

/// <summary>One vault token account: the mint, the token program that owns it, and the authority's associated token account.</summary>
public sealed record SolanaVaultAccount(string Mint, string TokenProgram, string TokenAccount);
