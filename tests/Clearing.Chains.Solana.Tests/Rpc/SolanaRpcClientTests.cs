using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Chains.Solana.Tests.Rpc;

/// <summary>Golden request/response fixtures (Solnet's approach) against an in-process HTTP handler.</summary>
public sealed class SolanaRpcClientTests
{
    private static readonly PublicKey Depositor = PublicKey.Parse("BPmAs7MRythzXeHG6aUfzeyQHLmv7jPuj7tHnjM3X6jN");
    private static readonly PublicKey DepositorAta = PublicKey.Parse("4aCCgx4Q6DLJEhgV1tgPtCKdfWn7gNUuC6gC2qGyeSYZ");
    private static readonly PublicKey VaultAta = PublicKey.Parse("5TJaShJwDEEkfNErTmQp68ytdGysRaxPSMLGgqQ6NqtJ");
    private static readonly PublicKey Mint = PublicKey.Parse("9hGdMK6RVJEcUVVBzBeJFQsS2mv7WMQ2zFd2JmpwLPFE");
    private static readonly PublicKey VaultAuthority = PublicKey.Parse("F6DM2cqGZsynepApbmz7k2W1fm7oq85wq4fVfYeuo3uP");
    private static readonly PublicKey Nobody = PublicKey.Parse(Base58.Encode(System.Security.Cryptography.SHA256.HashData("nobody"u8)));
    private const string Blockhash = "CLE7NhikWPK6jx3xGSJNPGKsj1fmyCDw5t2DFHSpc1fE";
    private const string DepositSignature = "5viE6tdTyzJod81b5XHuMm7dKkRQV2vp4wLAFzuL3VNtY3fX6DEMWEKEohabhp7HWYZ6eTfzEW7hs3AXDXT7pYrc";
    private const string S0 = "5DsRtFyxoH7ifvwY3mj2XwktLgky4bixQsKDMZ9MQ5iSpRcjp246JfYnDTPKCN8D6zZ1BhkpBSJJAhbQaSSDNrXf";
    private const string S1 = "3g1L6drRfeVmrEPdFuV5sHFVaHMnE24T5DpTMycT1HqazZWXhr56dTp8A8yiRVMsy4meTLaJxocyXgBHYzCV7HAe";
    private const string S2 = "52hc5aVxXsS8KCg7NsULoqVxt3ZstfhVdv3MfF9NM7jnLxjPPsAHTuASirrv3XPZMBTr3hN1GmWrhPtSEeUzF1rh";
    private const string S9 = "cGwwG5aycbMwxQoPQpXECQLLkfgGG2G2Yt36nguPNaDEJvFFRq6HxctHoeq5FkwFya5wgxWHeSCKwS3tZMY9Zeb";

    private static readonly SolanaRpcOptions NoWaiting = new() { InitialBackoff = TimeSpan.Zero };

    [Fact]
    public async Task GetHealth_reads_ok()
    {
        Assert.Equal("ok", (await Golden("getHealth", c => c.GetHealthAsync())).Value);
    }

    [Fact]
    public async Task An_unhealthy_node_is_a_json_rpc_error_with_its_code_and_data_and_is_not_retried()
    {
        var handler = new ScriptedHttpHandler();
        var result = await Golden("getHealth_unhealthy", c => c.GetHealthAsync(), handler);

        Assert.False(result.IsSuccess);
        Assert.Equal(RpcFailureKind.JsonRpcError, result.Failure!.Kind);
        Assert.Equal(-32005, result.Failure.Code);
        Assert.Equal("Node is behind by 42 slots", result.Failure.Message);
        Assert.Equal(42, JsonDocument.Parse(result.Failure.Data!).RootElement.GetProperty("numSlotsBehind").GetInt32());
        Assert.False(result.Failure.IsRetryable);
        Assert.Single(handler.RequestBodies);
        Assert.Throws<RpcException>(() => result.Value);
    }

    [Fact]
    public async Task GetVersion_reads_the_dashed_field_names()
    {
        var version = (await Golden("getVersion", c => c.GetVersionAsync())).Value;
        Assert.Equal("1.18.22", version.SolanaCore);
        Assert.Equal(2891131721u, version.FeatureSet);
    }

    [Fact]
    public async Task GetSlot_and_GetBlockHeight_send_their_commitment()
    {
        Assert.Equal(341197247ul, (await Golden("getSlot", c => c.GetSlotAsync(Commitment.Finalized))).Value);
        Assert.Equal(319417025ul, (await Golden("getBlockHeight", c => c.GetBlockHeightAsync(Commitment.Confirmed))).Value);
    }

    [Fact]
    public async Task GetLatestBlockhash_reads_the_context_slot_and_last_valid_height()
    {
        var latest = (await Golden("getLatestBlockhash", c => c.GetLatestBlockhashAsync(Commitment.Finalized))).Value;
        Assert.Equal(341197053ul, latest.Slot);
        Assert.Equal(Blockhash, latest.Value.Blockhash);
        Assert.Equal(319417174ul, latest.Value.LastValidBlockHeight);
    }

    [Fact]
    public async Task IsBlockhashValid_reads_false()
    {
        Assert.False((await Golden("isBlockhashValid", c => c.IsBlockhashValidAsync(Blockhash, Commitment.Processed))).Value.Value);
    }

    [Fact]
    public async Task GetBalance_reads_lamports()
    {
        Assert.Equal(5_000_000_000ul, (await Golden("getBalance", c => c.GetBalanceAsync(Depositor, Commitment.Finalized))).Value.Value);
    }

    [Fact]
    public async Task GetAccountInfo_decodes_base64_data_and_a_u64_max_rent_epoch()
    {
        var account = (await Golden("getAccountInfo_base64", c => c.GetAccountInfoAsync(VaultAta, Commitment.Finalized))).Value.Value!;
        Assert.Equal(ProgramIds.Token, account.Owner);
        Assert.Equal(Enumerable.Range(0, 165).Select(i => (byte)i), account.Data);
        Assert.Equal(2_039_280ul, account.Lamports);
        Assert.Equal(ulong.MaxValue, account.RentEpoch);
        Assert.Equal(165ul, account.Space);
        Assert.False(account.Executable);
    }

    [Fact]
    public async Task GetAccountInfo_of_a_missing_account_is_a_null_value_not_a_failure()
    {
        var result = await Golden("getAccountInfo_missing", c => c.GetAccountInfoAsync(Nobody, Commitment.Finalized));
        Assert.True(result.IsSuccess);
        Assert.Null(result.Value.Value);
    }

    [Fact]
    public async Task GetTokenAccount_reads_the_parsed_mint_owner_and_exact_amount()
    {
        var account = (await Golden("getAccountInfo_jsonParsed_token", c => c.GetTokenAccountAsync(VaultAta, Commitment.Finalized))).Value.Value!;
        Assert.Equal(VaultAta, account.Address);
        Assert.Equal(ProgramIds.Token, account.TokenProgram);
        Assert.Equal(Mint, account.Mint);
        Assert.Equal(VaultAuthority, account.Owner);
        Assert.Equal(250_000_000ul, account.TokenAmount.BaseUnits);
        Assert.Equal(6, account.TokenAmount.Decimals);
        Assert.Equal("initialized", account.State);
    }

    [Fact]
    public async Task GetTokenAccount_of_an_account_that_is_not_a_token_account_is_null()
    {
        Assert.Null((await Golden("getAccountInfo_jsonParsed_not_token", c => c.GetTokenAccountAsync(Depositor, Commitment.Finalized))).Value.Value);
    }

    [Fact]
    public async Task GetMultipleAccounts_keeps_the_order_asked_with_null_for_missing()
    {
        var accounts = (await Golden("getMultipleAccounts", c => c.GetMultipleAccountsAsync([Depositor, Nobody], Commitment.Confirmed))).Value.Value;
        Assert.Equal(2, accounts.Count);
        Assert.Equal([1, 2, 3], accounts[0]!.Data);
        Assert.Null(accounts[1]);
    }

    [Fact]
    public async Task GetTokenAccountBalance_keeps_a_u64_max_amount_exact()
    {
        var balance = (await Golden("getTokenAccountBalance", c => c.GetTokenAccountBalanceAsync(VaultAta, Commitment.Finalized))).Value.Value;
        Assert.Equal(ulong.MaxValue, balance.BaseUnits);
        Assert.Equal("18446744073709.551615", balance.UiAmountString);
    }

    [Fact]
    public async Task GetSignaturesForAddress_sends_before_until_limit_and_reads_errors_and_memos()
    {
        var page = (await Golden("getSignaturesForAddress",
            c => c.GetSignaturesForAddressAsync(VaultAta, Commitment.Finalized, before: S0, until: S9, limit: 2))).Value;

        Assert.Equal([S1, S2], page.Select(s => s.Signature));
        Assert.False(page[0].Failed);
        Assert.Equal("[6] acct-7", page[0].Memo);
        Assert.Equal("finalized", page[0].ConfirmationStatus);
        Assert.Equal(1732150000, page[0].BlockTime);
        Assert.True(page[1].Failed);
        Assert.Null(page[1].Memo);
    }

    [Fact]
    public async Task GetTransaction_reads_a_v0_deposit_with_loaded_addresses_token_balances_and_decodable_instructions()
    {
        var tx = (await Golden("getTransaction_v0_token_deposit", c => c.GetTransactionAsync(DepositSignature, Commitment.Finalized))).Value!;

        Assert.Equal("0", tx.Version);
        Assert.False(tx.IsLegacy);
        Assert.Equal(341197001ul, tx.Slot);
        var meta = tx.Meta!;
        Assert.False(meta.Failed);
        Assert.Equal(5000ul, meta.Fee);
        Assert.Equal(5_000_000_000ul - 5000, meta.PostBalances[0]);
        Assert.Equal(5_000_000_000ul, meta.PreBalances[0]);
        Assert.Contains("Program log: Instruction: TransferChecked", meta.LogMessages!);
        Assert.Equal([VaultAta], meta.LoadedAddresses!.Writable);
        Assert.Equal([Mint], meta.LoadedAddresses.Readonly);

        // Account index 4 is the vault's token account, loaded from the lookup table.
        Assert.Equal(VaultAta, tx.AllAccountKeys[4]);
        var vaultPre = meta.PreTokenBalances!.Single(b => b.AccountIndex == 4);
        var vaultPost = meta.PostTokenBalances!.Single(b => b.AccountIndex == 4);
        Assert.Equal(VaultAuthority, vaultPost.Owner);
        Assert.Equal(ProgramIds.Token, vaultPost.ProgramId);
        Assert.Equal(Mint, vaultPost.Mint);
        Assert.Equal(250_000_000ul, vaultPost.UiTokenAmount.BaseUnits - vaultPre.UiTokenAmount.BaseUnits);

        var instructions = tx.DecompileInstructions();
        Assert.Equal(new TokenTransferChecked(ProgramIds.Token, DepositorAta, Mint, VaultAta, Depositor, 250_000_000, 6), TokenProgram.Decode(instructions[0]));
        Assert.Equal("acct-7", MemoProgram.Decode(instructions[1])!.Text);
        Assert.True(instructions[0].Accounts[2].IsWritable); // the loaded vault account is writable
        Assert.Equal(DepositSignature, tx.Transaction.Signatures[0]);
        Assert.Equal(MessageVersion.V0, tx.ToMessage().Version);
    }

    [Fact]
    public async Task GetTransaction_marks_a_failed_legacy_transaction()
    {
        var tx = (await Golden("getTransaction_legacy_failed", c => c.GetTransactionAsync(S2, Commitment.Finalized))).Value!;
        Assert.True(tx.IsLegacy);
        Assert.True(tx.Meta!.Failed);
        Assert.Equal("{\"InstructionError\":[0,{\"Custom\":1}]}", tx.Meta.Err!.Value.GetRawText());
        Assert.Empty(tx.Meta.PostTokenBalances!);
        Assert.Equal(new TokenTransfer(ProgramIds.Token, DepositorAta, VaultAta, Depositor, 1_000_000_000_000_000), TokenProgram.Decode(tx.DecompileInstructions()[0]));
    }

    [Fact]
    public async Task GetTransaction_not_found_is_a_null_value()
    {
        var result = await Golden("getTransaction_not_found", c => c.GetTransactionAsync(S9, Commitment.Finalized));
        Assert.True(result.IsSuccess);
        Assert.Null(result.Value);
    }

    [Fact]
    public async Task GetTransactions_batches_and_matches_responses_by_id_whatever_their_order()
    {
        var batch = (await Golden("getTransaction_batch", c => c.GetTransactionsAsync([S9, DepositSignature, S0], Commitment.Finalized))).Value;

        Assert.Equal(3, batch.Count);
        Assert.True(batch[0].IsSuccess);
        Assert.Null(batch[0].Value);
        Assert.Equal(DepositSignature, batch[1].Value!.Transaction.Signatures[0]);
        Assert.Equal(RpcFailureKind.JsonRpcError, batch[2].Failure!.Kind);
        Assert.Equal(-32011, batch[2].Failure!.Code);
    }

    [Fact]
    public async Task A_batch_answer_missing_a_response_is_a_transport_failure_and_is_retried()
    {
        var fixture = RpcFixture.Load("getTransaction_batch");
        var partial = JsonNode.Parse(fixture.Response)!.AsArray();
        partial.RemoveAt(0);
        var handler = new ScriptedHttpHandler().Respond(partial.ToJsonString()).Respond(fixture.Response);

        var batch = await Client(handler).GetTransactionsAsync([S9, DepositSignature, S0], Commitment.Finalized);

        Assert.Equal(3, batch.Value.Count);
        Assert.Equal(2, handler.RequestBodies.Count);
    }

    [Fact]
    public async Task GetSignatureStatuses_keeps_unknown_signatures_as_null()
    {
        var statuses = (await Golden("getSignatureStatuses", c => c.GetSignatureStatusesAsync([S1, S9], searchTransactionHistory: true))).Value.Value;
        Assert.Equal("finalized", statuses[0]!.ConfirmationStatus);
        Assert.Null(statuses[0]!.Confirmations);
        Assert.False(statuses[0]!.Failed);
        Assert.Null(statuses[1]);
    }

    [Fact]
    public async Task SendTransaction_sends_the_same_base64_wire_bytes_as_kit_and_returns_the_signature()
    {
        var (transaction, signature) = KitSignedTransfer();
        var sent = await Golden("sendTransaction", c => c.SendTransactionAsync(transaction, Commitment.Confirmed, maxRetries: 0));
        Assert.Equal(signature, sent.Value);
        Assert.Equal(signature, transaction.Id);
    }

    [Fact]
    public async Task SendTransaction_preflight_failure_is_error_32002_with_the_simulation_as_data()
    {
        var (transaction, _) = KitSignedTransfer();
        var result = await Golden("sendTransaction_preflight_failure", c => c.SendTransactionAsync(transaction, Commitment.Confirmed));

        Assert.Equal(RpcFailureKind.JsonRpcError, result.Failure!.Kind);
        Assert.Equal(-32002, result.Failure.Code);
        var data = JsonDocument.Parse(result.Failure.Data!).RootElement;
        Assert.Equal(1, data.GetProperty("err").GetProperty("InstructionError")[1].GetProperty("Custom").GetInt32());
        Assert.Equal(3, data.GetProperty("logs").GetArrayLength());
    }

    [Fact]
    public async Task SimulateTransaction_reads_logs_and_units()
    {
        var (transaction, _) = KitSignedTransfer();
        var simulation = (await Golden("simulateTransaction", c => c.SimulateTransactionAsync(transaction, Commitment.Confirmed, sigVerify: true))).Value.Value;
        Assert.False(simulation.Failed);
        Assert.Equal(150ul, simulation.UnitsConsumed);
        Assert.Equal(2, simulation.Logs!.Count);
    }

    [Fact]
    public async Task RequestAirdrop_and_rent_exemption()
    {
        Assert.Equal(
            "2uEajHMoB1u4x1UFvPj3GCY6FW81EkFyEAU9WqZpenwboyvPnWv1VmWpDUj6mV6dhz2kt8gkQoGK9vmCgDvJvtPR",
            (await Golden("requestAirdrop", c => c.RequestAirdropAsync(Depositor, 1_000_000_000, Commitment.Confirmed))).Value);
        Assert.Equal(2_039_280ul, (await Golden("getMinimumBalanceForRentExemption",
            c => c.GetMinimumBalanceForRentExemptionAsync(TokenProgram.AccountSize, Commitment.Confirmed))).Value);
    }

    [Fact]
    public async Task A_transport_failure_is_retried_and_the_retry_succeeds()
    {
        var fixture = RpcFixture.Load("getSlot");
        var handler = new ScriptedHttpHandler()
            .Fail(new HttpRequestException("connection refused"))
            .Respond("busy", HttpStatusCode.ServiceUnavailable)
            .Respond(fixture.Response);

        var result = await Client(handler).GetSlotAsync(Commitment.Finalized);

        Assert.Equal(341197247ul, result.Value);
        Assert.Equal(3, handler.RequestBodies.Count);
        Assert.Single(handler.RequestBodies.Distinct()); // the same request, id included, each time
    }

    [Fact]
    public async Task Transport_failures_on_every_attempt_end_as_a_retryable_transport_failure()
    {
        var handler = new ScriptedHttpHandler()
            .Fail(new HttpRequestException("connection refused"))
            .Respond("<html>bad gateway</html>", HttpStatusCode.BadGateway)
            .Respond("not json");

        var result = await Client(handler).GetSlotAsync(Commitment.Finalized);

        Assert.Equal(RpcFailureKind.Transport, result.Failure!.Kind);
        Assert.True(result.Failure.IsRetryable);
        Assert.Contains("after 3 attempts", result.Failure.Message);
        Assert.Equal(3, handler.RequestBodies.Count);
    }

    [Fact]
    public async Task A_hung_node_times_out_as_a_transport_failure()
    {
        var handler = new ScriptedHttpHandler().Hang();
        var client = new SolanaRpcClient(new HttpClient(handler), new Uri("http://devnet.test/"),
            new SolanaRpcOptions { Timeout = TimeSpan.FromMilliseconds(50), MaxAttempts = 1 });

        var result = await client.GetSlotAsync(Commitment.Finalized);

        Assert.Equal(RpcFailureKind.Transport, result.Failure!.Kind);
        Assert.Contains("timed out", result.Failure.Message);
    }

    [Fact]
    public async Task A_timed_out_attempt_is_retried()
    {
        var handler = new ScriptedHttpHandler().Hang().Respond(RpcFixture.Load("getSlot").Response);
        var client = new SolanaRpcClient(new HttpClient(handler), new Uri("http://devnet.test/"),
            new SolanaRpcOptions { Timeout = TimeSpan.FromMilliseconds(50), InitialBackoff = TimeSpan.Zero });

        Assert.Equal(341197247ul, (await client.GetSlotAsync(Commitment.Finalized)).Value);
        Assert.Equal(2, handler.RequestBodies.Count);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_throws_instead_of_becoming_a_failure()
    {
        var handler = new ScriptedHttpHandler().Hang();
        using var cancel = new CancellationTokenSource();
        var call = Client(handler).GetSlotAsync(Commitment.Finalized, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Fact]
    public async Task A_result_in_an_unexpected_shape_is_reported_without_retrying()
    {
        var handler = new ScriptedHttpHandler().Respond("""{"jsonrpc":"2.0","result":"not a number","id":1}""");
        var result = await Client(handler).GetSlotAsync(Commitment.Finalized);

        Assert.Equal(RpcFailureKind.Transport, result.Failure!.Kind);
        Assert.Contains("unreadable result", result.Failure.Message);
        Assert.Single(handler.RequestBodies);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(4, 800)]
    public void Backoff_doubles_from_the_initial_wait(int attempt, int expectedMilliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), new SolanaRpcOptions().BackoffBefore(attempt));
    }

    /// <summary>The transfer kit signed for the fixtures (seed 0x07 × 32, 1,000,000 lamports to the depositor).</summary>
    private static (Transaction Transaction, string Signature) KitSignedTransfer()
    {
        var payer = Keypair.FromSeed(Enumerable.Repeat((byte)7, 32).ToArray());
        var message = MessageCompiler.CompileV0(payer.PublicKey, Blockhash, [SystemProgram.Transfer(payer.PublicKey, Depositor, 1_000_000)]);
        return (Transaction.Sign(message, payer), "hVNnyN9YwBFWb9NvNX9bxYfnj8NiHWfsZqdeK35sFmukBXz1c3Nou6PASykKgCeE6hjsFnqBEsnsX1hvgFfpDCY");
    }

    private static SolanaRpcClient Client(ScriptedHttpHandler handler) =>
        new(new HttpClient(handler), new Uri("http://devnet.test/"), NoWaiting);

    /// <summary>Runs <paramref name="call"/> against the fixture's response and asserts it sent exactly the golden request.</summary>
    private static async Task<RpcResult<T>> Golden<T>(string fixtureName, Func<SolanaRpcClient, Task<RpcResult<T>>> call, ScriptedHttpHandler? handler = null)
    {
        var fixture = RpcFixture.Load(fixtureName);
        handler ??= new ScriptedHttpHandler();
        handler.Respond(fixture.Response);
        var result = await call(Client(handler));
        var sent = Assert.Single(handler.RequestBodies);
        Assert.True(fixture.Matches(sent), $"sent {sent}{Environment.NewLine}golden {fixture.Request.ToJsonString()}");
        return result;
    }
}
