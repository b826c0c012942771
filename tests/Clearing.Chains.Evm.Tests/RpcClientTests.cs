using System.Net;
using System.Numerics;
using System.Text.Json.Nodes;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;

namespace Clearing.Chains.Evm.Tests;

public sealed class RpcClientTests
{
    private static readonly EvmAddress Vault = EvmAddress.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    private static readonly EvmAddress Token = EvmAddress.Parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
    private static readonly Hash32 TxHash = Hash32.Parse("0x33469b22e9f636356c4160a87eb19df52b7412e8eac32a4a55ffe88ea8350788");

    private readonly List<TimeSpan> waits = [];

    private static (JsonNode Request, JsonNode Response) Golden(string name)
    {
        var fixture = JsonNode.Parse(TestFiles.ReadText("Rpc", name + ".json"))!;
        return (fixture["request"]!, fixture["response"]!);
    }

    private EvmRpcClient Client(FakeNode node, int maxAttempts = 3, TimeSpan? timeout = null) =>
        new(new HttpClient(node), FakeNode.Endpoint, new EvmRpcOptions
        {
            MaxAttempts = maxAttempts,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
            InitialBackoff = TimeSpan.FromMilliseconds(100),
            MaxBackoff = TimeSpan.FromMilliseconds(250),
            Delay = (wait, _) =>
            {
                waits.Add(wait);
                return Task.CompletedTask;
            },
        });

    private static void AssertSent(JsonNode expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"sent {actual.ToJsonString()}\nexpected {expected.ToJsonString()}");

    [Fact]
    public async Task Chain_id_golden_exchange()
    {
        var (request, response) = Golden("eth_chainId");
        var node = new FakeNode().Reply(response);

        var chainId = await Client(node).GetChainIdAsync();

        AssertSent(request, node.Requests.Single());
        Assert.Equal(31337UL, chainId.Value);
    }

    [Fact]
    public async Task Finalized_block_golden_exchange()
    {
        var (request, response) = Golden("eth_getBlockByNumber_finalized");
        var node = new FakeNode().Reply(response);

        var block = (await Client(node).GetBlockAsync(BlockTag.Finalized)).Value!;

        AssertSent(request, node.Requests.Single());
        Assert.Equal(26UL, block.Number);
        Assert.Equal(Hash32.Parse("0x1bb7bd4f5a0a3f5de1c1f0e2a0b4f3f5d7d8b8f3a5f7b4a3e0e7c6d1f2a9b8c7"), block.Hash);
        Assert.Equal(Hash32.Parse("0x9e1f0c3a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"), block.ParentHash);
        Assert.Equal(0x6740b2c5UL, block.Timestamp);
        Assert.Equal(new BigInteger(1_000_000_000), block.BaseFeePerGas);
    }

    [Fact]
    public async Task A_block_the_node_does_not_have_is_null_not_an_error()
    {
        var node = new FakeNode().Reply(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["result"] = null });

        var block = await Client(node).GetBlockAsync(BlockTag.AtNumber(1_000_000));

        Assert.True(block.IsSuccess);
        Assert.Null(block.Value);
        Assert.Equal("0xf4240", node.Requests.Single()["params"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Vault_deposit_logs_golden_exchange_with_address_and_topic_filters()
    {
        var (request, response) = Golden("eth_getLogs_vault_deposits");
        var node = new FakeNode().Reply(response);
        var filter = new LogFilter(0x10, 0x1a)
        {
            Addresses = [Vault],
            Topics = [[ClearingVaultAbi.Deposited.Topic0], null, [new byte[32], AbiEvent.EncodeTopic(AbiAddressType.Instance, Token)]],
        };

        var logs = (await Client(node).GetLogsAsync(filter)).Value;

        AssertSent(request, node.Requests.Single());
        var log = Assert.Single(logs);
        Assert.Equal(Vault, log.Address);
        Assert.Equal(21UL, log.BlockNumber);
        Assert.Equal(2UL, log.LogIndex);
        Assert.Equal(TxHash, log.TransactionHash);
        Assert.False(log.Removed);
        var deposit = ClearingVaultAbi.DecodeDeposited(log.Topics, log.Data);
        Assert.Equal(Token, deposit.Token);
        Assert.Equal(new BigInteger(1_500_000), deposit.Amount);
        Assert.Equal(EvmAddress.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), deposit.Depositor);
    }

    [Fact]
    public async Task Receipt_golden_exchange()
    {
        var (request, response) = Golden("eth_getTransactionReceipt");
        var node = new FakeNode().Reply(response);

        var receipt = (await Client(node).GetTransactionReceiptAsync(TxHash)).Value!;

        AssertSent(request, node.Requests.Single());
        Assert.True(receipt.Succeeded);
        Assert.Equal(21UL, receipt.BlockNumber);
        Assert.Equal(0xb44fUL, receipt.GasUsed);
        Assert.Equal(new BigInteger(1_000_000_001), receipt.EffectiveGasPrice);
        Assert.Null(receipt.ContractAddress);
        Assert.Equal("0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f", receipt.From.ToLowerHex());
    }

    [Fact]
    public async Task Fee_history_golden_exchange()
    {
        var (request, response) = Golden("eth_feeHistory");
        var node = new FakeNode().Reply(response);

        var history = (await Client(node).GetFeeHistoryAsync(3, BlockTag.Latest, [25, 75])).Value;

        AssertSent(request, node.Requests.Single());
        Assert.Equal(24UL, history.OldestBlock);
        Assert.Equal(4, history.BaseFeePerGas.Count);
        Assert.Equal(new BigInteger(2_000_000_000), history.Reward[1][1]);
    }

    [Fact]
    public async Task Eth_call_golden_exchange_decodes_an_aggregator_round()
    {
        var (request, response) = Golden("eth_call_latestRoundData");
        var node = new FakeNode().Reply(response);

        var returned = await Client(node).CallAsync(new CallRequest { To = Token, Data = ChainlinkAggregatorAbi.EncodeLatestRoundData() }, BlockTag.Latest);

        AssertSent(request, node.Requests.Single());
        var round = ChainlinkAggregatorAbi.DecodeLatestRoundData(returned.Value);
        Assert.Equal(new BigInteger(100_000_000_000), round.Answer);
        Assert.Equal((BigInteger.One << 64) + 5, round.RoundId);
    }

    [Fact]
    public async Task Send_raw_transaction_golden_exchange()
    {
        var (request, response) = Golden("eth_sendRawTransaction");
        var node = new FakeNode().Reply(response);
        var raw = Hex.Decode(request["params"]![0]!.GetValue<string>());

        var hash = await Client(node).SendRawTransactionAsync(SignedTransaction.Decode(raw));

        AssertSent(request, node.Requests.Single());
        Assert.Equal(TxHash, hash.Value);
        Assert.Equal(TxHash.ToString(), SignedTransaction.Decode(raw).HashHex);
    }

    [Fact]
    public async Task A_json_rpc_error_is_reported_as_such_and_never_retried()
    {
        var (request, response) = Golden("eth_sendRawTransaction_nonce_too_low");
        var node = new FakeNode().Reply(response);

        var result = await Client(node, maxAttempts: 5).SendRawTransactionAsync(Hex.Decode(request["params"]![0]!.GetValue<string>()));

        Assert.False(result.IsSuccess);
        Assert.Equal(RpcFailureKind.JsonRpcError, result.Failure!.Kind);
        Assert.Equal(-32003, result.Failure.Code);
        Assert.Equal("nonce too low", result.Failure.Message);
        Assert.Equal("nonce 9 < 10", result.Failure.Data);
        Assert.Single(node.Requests);
        Assert.Empty(waits);
    }

    [Fact]
    public async Task A_json_rpc_error_sent_with_an_http_error_status_is_still_a_json_rpc_error()
    {
        var node = new FakeNode().ReplyRaw("""{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid params"}}""", HttpStatusCode.BadRequest);

        var result = await Client(node).GetBlockNumberAsync();

        Assert.Equal(RpcFailureKind.JsonRpcError, result.Failure!.Kind);
        Assert.Single(node.Requests);
    }

    [Fact]
    public async Task Transport_failures_are_retried_with_exponential_backoff_then_succeed()
    {
        var node = new FakeNode()
            .RefuseConnection()
            .ReplyRaw("<html>bad gateway</html>", HttpStatusCode.BadGateway)
            .Reply(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["result"] = "0x2a" });

        var result = await Client(node, maxAttempts: 3).GetBlockNumberAsync();

        Assert.Equal(42UL, result.Value);
        Assert.Equal(3, node.Requests.Count);
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)], waits);
        Assert.All(node.Requests, r => Assert.Equal(1, r["id"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Backoff_is_capped_and_the_last_transport_failure_is_returned()
    {
        var node = new FakeNode().RefuseConnection().RefuseConnection().RefuseConnection().RefuseConnection();

        var result = await Client(node, maxAttempts: 4).GetBlockNumberAsync();

        Assert.Equal(RpcFailureKind.Transport, result.Failure!.Kind);
        Assert.True(result.Failure.IsRetryable);
        Assert.Contains("Connection refused", result.Failure.Message, StringComparison.Ordinal);
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(250)], waits);
    }

    [Fact]
    public async Task A_node_that_does_not_answer_in_time_is_a_transport_failure_after_each_attempt_times_out()
    {
        var node = new FakeNode().Hang().Hang();

        var result = await Client(node, maxAttempts: 2, timeout: TimeSpan.FromMilliseconds(50)).GetChainIdAsync();

        Assert.Equal(RpcFailureKind.Transport, result.Failure!.Kind);
        Assert.Contains("timed out", result.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, node.Requests.Count);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_swallowed_as_a_timeout()
    {
        var node = new FakeNode().Hang();
        using var cancel = new CancellationTokenSource();
        var call = Client(node).GetChainIdAsync(cancel.Token);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    [Theory]
    [InlineData("\"0x01\"", "leading zero")]
    [InlineData("\"12\"", "no 0x")]
    [InlineData("12", "a JSON number")]
    public async Task A_quantity_that_is_not_strict_hex_is_a_malformed_answer(string result, string why)
    {
        var node = new FakeNode().ReplyRaw($$"""{"jsonrpc":"2.0","id":1,"result":{{result}}}""", HttpStatusCode.OK);

        var answer = await Client(node).GetBlockNumberAsync();

        Assert.Equal(RpcFailureKind.Transport, answer.Failure!.Kind);
        Assert.Contains("malformed", answer.Failure.Message, StringComparison.Ordinal);
        Assert.NotEmpty(why);
    }

    [Fact]
    public async Task A_response_for_another_request_id_is_refused()
    {
        var node = new FakeNode().Reply(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 99, ["result"] = "0x1" });

        var result = await Client(node, maxAttempts: 1).GetChainIdAsync();

        Assert.Equal(RpcFailureKind.Transport, result.Failure!.Kind);
    }

    [Fact]
    public async Task Request_ids_increase_per_call()
    {
        var node = new FakeNode().ReplyWith(Echo("0x1")).ReplyWith(Echo("0x2"));
        var client = Client(node);

        await client.GetBlockNumberAsync();
        await client.GetBlockNumberAsync();

        Assert.Equal([1L, 2L], node.Requests.Select(r => r["id"]!.GetValue<long>()));
    }

    [Fact]
    public async Task A_batch_is_one_post_and_answers_are_matched_by_id_whatever_their_order()
    {
        var node = new FakeNode().ReplyWith(request =>
        {
            var calls = request.AsArray();
            return new JsonArray(
                new JsonObject { ["jsonrpc"] = "2.0", ["id"] = calls[2]!["id"]!.GetValue<long>(), ["error"] = new JsonObject { ["code"] = -32000, ["message"] = "execution reverted" } },
                new JsonObject { ["jsonrpc"] = "2.0", ["id"] = calls[0]!["id"]!.GetValue<long>(), ["result"] = "0x7a69" },
                new JsonObject { ["jsonrpc"] = "2.0", ["id"] = calls[1]!["id"]!.GetValue<long>(), ["result"] = "0x1a" });
        });

        var results = await Client(node).SendBatchAsync([
            new RpcRequest("eth_chainId"),
            new RpcRequest("eth_blockNumber"),
            new RpcRequest("eth_call", new JsonObject { ["to"] = Token.ToLowerHex(), ["data"] = "0x" }, "latest"),
        ]);

        var sent = Assert.Single(node.Requests).AsArray();
        Assert.Equal(["eth_chainId", "eth_blockNumber", "eth_call"], sent.Select(c => c!["method"]!.GetValue<string>()));
        Assert.Equal(3, sent.Select(c => c!["id"]!.GetValue<long>()).Distinct().Count());
        Assert.Equal("0x7a69", results[0].Value.GetString());
        Assert.Equal("0x1a", results[1].Value.GetString());
        Assert.Equal(RpcFailureKind.JsonRpcError, results[2].Failure!.Kind);
        Assert.Equal("execution reverted", results[2].Failure!.Message);
    }

    [Fact]
    public async Task A_batch_call_left_unanswered_is_a_transport_failure_for_that_call_only()
    {
        var node = new FakeNode().ReplyWith(request => new JsonArray(
            new JsonObject { ["jsonrpc"] = "2.0", ["id"] = request.AsArray()[0]!["id"]!.GetValue<long>(), ["result"] = "0x1" }));

        var results = await Client(node).SendBatchAsync([new RpcRequest("eth_chainId"), new RpcRequest("eth_blockNumber")]);

        Assert.True(results[0].IsSuccess);
        Assert.Equal(RpcFailureKind.Transport, results[1].Failure!.Kind);
    }

    [Fact]
    public async Task A_batch_is_retried_as_a_whole_on_transport_failure()
    {
        var node = new FakeNode()
            .ReplyRaw("overloaded", HttpStatusCode.ServiceUnavailable)
            .ReplyWith(request => new JsonArray([.. request.AsArray().Select(call =>
                (JsonNode)new JsonObject { ["jsonrpc"] = "2.0", ["id"] = call!["id"]!.GetValue<long>(), ["result"] = "0x1" })]));

        var results = await Client(node).SendBatchAsync([new RpcRequest("eth_chainId"), new RpcRequest("eth_blockNumber")]);

        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Equal(2, node.Requests.Count);
        Assert.True(JsonNode.DeepEquals(node.Requests[0], node.Requests[1]), "a retry resends the same batch");
    }

    [Theory]
    [InlineData(0UL, 9UL, 10UL, "0-9")]
    [InlineData(0UL, 10UL, 10UL, "0-9,10-10")]
    [InlineData(5UL, 5UL, 3UL, "5-5")]
    [InlineData(1UL, 7UL, 3UL, "1-3,4-6,7-7")]
    [InlineData(ulong.MaxValue - 2, ulong.MaxValue, 2UL, "18446744073709551613-18446744073709551614,18446744073709551615-18446744073709551615")]
    public void Block_ranges_are_chunked_into_consecutive_inclusive_pieces(ulong from, ulong to, ulong size, string expected)
    {
        Assert.Equal(expected, string.Join(",", LogFilter.Chunk(from, to, size).Select(c => $"{c.From}-{c.To}")));
    }

    [Fact]
    public async Task Chunked_get_logs_asks_each_range_in_order_and_joins_the_answers()
    {
        var node = new FakeNode().ReplyWith(Logs(0x1)).ReplyWith(Logs(0x5)).ReplyWith(Logs());

        var logs = await Client(node).GetLogsChunkedAsync(new LogFilter(0, 9) { Addresses = [Vault] }, 4);

        Assert.Equal([1UL, 5UL], logs.Value.Select(l => l.BlockNumber));
        Assert.Equal(["0x0-0x3", "0x4-0x7", "0x8-0x9"], node.Requests.Select(r => $"{r["params"]![0]!["fromBlock"]}-{r["params"]![0]!["toBlock"]}"));
    }

    [Fact]
    public async Task Chunked_get_logs_stops_at_the_first_failed_range_instead_of_returning_a_partial_list()
    {
        var node = new FakeNode()
            .ReplyWith(Logs(0x1))
            .ReplyRaw("""{"jsonrpc":"2.0","id":2,"error":{"code":-32005,"message":"query returned more than 10000 results"}}""", HttpStatusCode.OK);

        var logs = await Client(node).GetLogsChunkedAsync(new LogFilter(0, 9), 4);

        Assert.False(logs.IsSuccess);
        Assert.Equal(-32005, logs.Failure!.Code);
        Assert.Equal(2, node.Requests.Count);
    }

    private static Func<JsonNode, JsonNode> Echo(string result) =>
        request => new JsonObject { ["jsonrpc"] = "2.0", ["id"] = request["id"]!.GetValue<long>(), ["result"] = result };

    private static Func<JsonNode, JsonNode> Logs(params int[] blockNumbers) => request => new JsonObject
    {
        ["jsonrpc"] = "2.0",
        ["id"] = request["id"]!.GetValue<long>(),
        ["result"] = new JsonArray([.. blockNumbers.Select(n => (JsonNode)new JsonObject
        {
            ["address"] = Vault.ToLowerHex(),
            ["topics"] = new JsonArray(Hex.Encode(ClearingVaultAbi.Deposited.Topic0)),
            ["data"] = "0x",
            ["blockNumber"] = Hex.EncodeQuantity(n),
            ["blockHash"] = TxHash.ToString(),
            ["transactionHash"] = TxHash.ToString(),
            ["transactionIndex"] = "0x0",
            ["logIndex"] = "0x0",
            ["removed"] = false,
        })]),
    };
}
