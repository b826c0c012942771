using System.Net.Http.Headers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Rpc;

/// <summary>One JSON-RPC call to put in a batch.</summary>
public sealed record RpcRequest(string Method, params JsonNode?[] Params);

/// <summary>
/// JSON-RPC 2.0 client for one Ethereum execution node over HTTP. Every call returns an
/// <see cref="RpcResult{T}"/>: a value, a JSON-RPC error from the node (never retried: the node will say the same
/// again, and a retried eth_sendRawTransaction must be a deliberate decision), or a transport failure (timeout,
/// connection error, HTTP error, unreadable body), retried with exponential backoff up to
/// <see cref="EvmRpcOptions.MaxAttempts"/>.
/// </summary>
public sealed class EvmRpcClient
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly HttpClient http;
    private readonly Uri endpoint;
    private readonly EvmRpcOptions options;
    private long lastRequestId;

    public EvmRpcClient(HttpClient http, Uri endpoint, EvmRpcOptions? options = null)
    {
        this.http = http ?? throw new ArgumentNullException(nameof(http));
        this.endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        this.options = options ?? new EvmRpcOptions();
        if (this.options.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1.");
        }
    }

    public Uri Endpoint => endpoint;

    // ---- typed methods -------------------------------------------------------------------------------------

    public async Task<RpcResult<ulong>> GetChainIdAsync(CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_chainId", [], cancellationToken), RpcJson.UInt64);

    public async Task<RpcResult<ulong>> GetBlockNumberAsync(CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_blockNumber", [], cancellationToken), RpcJson.UInt64);

    /// <summary>The block header at <paramref name="block"/>; null when the node has no such block (yet).</summary>
    public async Task<RpcResult<EvmBlock?>> GetBlockAsync(BlockTag block, CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_getBlockByNumber", [block.ToRpcString(), false], cancellationToken),
            result => result.ValueKind == JsonValueKind.Null ? null : RpcJson.Block(result));

    public async Task<RpcResult<IReadOnlyList<EvmLog>>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Parse(await SendAsync("eth_getLogs", [FilterJson(filter)], cancellationToken),
            result => (IReadOnlyList<EvmLog>)[.. result.EnumerateArray().Select(RpcJson.Log)]);
    }

    /// <summary>
    /// eth_getLogs over [FromBlock, ToBlock] in ranges of at most <paramref name="blocksPerChunk"/> blocks, in
    /// block order. Stops at the first failed range and returns that failure: a partial list must never pass for
    /// the whole range.
    /// </summary>
    public async Task<RpcResult<IReadOnlyList<EvmLog>>> GetLogsChunkedAsync(LogFilter filter, ulong blocksPerChunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var logs = new List<EvmLog>();
        foreach (var (from, to) in LogFilter.Chunk(filter.FromBlock, filter.ToBlock, blocksPerChunk))
        {
            var chunk = await GetLogsAsync(filter with { FromBlock = from, ToBlock = to }, cancellationToken);
            if (!chunk.IsSuccess)
            {
                return RpcResult<IReadOnlyList<EvmLog>>.Fail(chunk.Failure!);
            }

            logs.AddRange(chunk.Value);
        }

        return RpcResult<IReadOnlyList<EvmLog>>.Ok(logs);
    }

    /// <summary>The receipt; null while the transaction is unknown or not yet mined.</summary>
    public async Task<RpcResult<EvmReceipt?>> GetTransactionReceiptAsync(Hash32 transactionHash, CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_getTransactionReceipt", [transactionHash.ToString()], cancellationToken),
            result => result.ValueKind == JsonValueKind.Null ? null : RpcJson.Receipt(result));

    /// <summary>The account nonce at <paramref name="block"/>; <see cref="BlockTag.Pending"/> counts transactions in the pool.</summary>
    public async Task<RpcResult<ulong>> GetTransactionCountAsync(EvmAddress address, BlockTag block, CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_getTransactionCount", [address.ToLowerHex(), block.ToRpcString()], cancellationToken), RpcJson.UInt64);

    /// <summary>Balance in wei.</summary>
    public async Task<RpcResult<BigInteger>> GetBalanceAsync(EvmAddress address, BlockTag block, CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_getBalance", [address.ToLowerHex(), block.ToRpcString()], cancellationToken), RpcJson.Quantity);

    /// <param name="blockCount">Blocks to report, ending at <paramref name="newestBlock"/>.</param>
    /// <param name="rewardPercentiles">Tip percentiles (0-100, ascending) to sample in each block.</param>
    public async Task<RpcResult<FeeHistory>> GetFeeHistoryAsync(ulong blockCount, BlockTag newestBlock, IReadOnlyList<double> rewardPercentiles, CancellationToken cancellationToken = default)
    {
        var percentiles = new JsonArray([.. rewardPercentiles.Select(p => (JsonNode)JsonValue.Create(p))]);
        return Parse(await SendAsync("eth_feeHistory", [Hex.EncodeQuantity(blockCount), newestBlock.ToRpcString(), percentiles], cancellationToken),
            RpcJson.FeeHistory);
    }

    /// <summary>The node's suggested tip per gas, in wei.</summary>
    public async Task<RpcResult<BigInteger>> GetMaxPriorityFeePerGasAsync(CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_maxPriorityFeePerGas", [], cancellationToken), RpcJson.Quantity);

    public async Task<RpcResult<ulong>> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_estimateGas", [CallJson(call)], cancellationToken), RpcJson.UInt64);

    /// <summary>eth_call: the return data of a read-only call at <paramref name="block"/>. A revert is a JSON-RPC error.</summary>
    public async Task<RpcResult<byte[]>> CallAsync(CallRequest call, BlockTag block, CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_call", [CallJson(call), block.ToRpcString()], cancellationToken), RpcJson.Data);

    /// <summary>Broadcasts a signed transaction; returns the hash the node computed.</summary>
    public async Task<RpcResult<Hash32>> SendRawTransactionAsync(ReadOnlyMemory<byte> signedTransaction, CancellationToken cancellationToken = default) =>
        Parse(await SendAsync("eth_sendRawTransaction", [Hex.Encode(signedTransaction.Span)], cancellationToken),
            result => Hash32.Parse(result.GetString() ?? throw new FormatException("Null transaction hash.")));

    /// <summary>
    /// Broadcasts <paramref name="transaction"/>. A transport failure is retried with the same bytes, which is safe:
    /// a node that already has the transaction answers "already known" or "nonce too low" instead of sending twice.
    /// </summary>
    public Task<RpcResult<Hash32>> SendRawTransactionAsync(SignedTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return SendRawTransactionAsync(transaction.Encoded.ToArray(), cancellationToken);
    }

    // ---- raw calls -----------------------------------------------------------------------------------------

    /// <summary>One call; the raw JSON result on success.</summary>
    public async Task<RpcResult<JsonElement>> SendAsync(string method, JsonNode?[] parameters, CancellationToken cancellationToken = default)
    {
        var call = ChainTelemetry.StartRpcCall(options.Chain, method);
        var result = await SendOnceAsync(method, parameters, cancellationToken);
        call.End(result.Failure);
        return result;
    }

    private async Task<RpcResult<JsonElement>> SendOnceAsync(string method, JsonNode?[] parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref lastRequestId);
        var body = RequestJson(id, method, parameters);
        var response = await PostWithRetryAsync(body, cancellationToken);
        if (!response.IsSuccess)
        {
            return RpcResult<JsonElement>.Fail(response.Failure!);
        }

        using var document = response.Value;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return RpcResult<JsonElement>.TransportError($"{method}: expected a JSON-RPC response object.");
        }

        return Interpret(document.RootElement, id, method);
    }

    /// <summary>
    /// Several calls in one HTTP POST (a JSON array). Results come back in request order whatever order the node
    /// answered in; a call the node left unanswered is a transport failure.
    /// </summary>
    public async Task<IReadOnlyList<RpcResult<JsonElement>>> SendBatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var calls = requests.Select(request => ChainTelemetry.StartRpcCall(options.Chain, request.Method)).ToList();
        var results = await SendBatchOnceAsync(requests, cancellationToken);
        for (var i = 0; i < results.Count; i++)
        {
            calls[i].End(results[i].Failure);
        }

        return results;
    }

    private async Task<IReadOnlyList<RpcResult<JsonElement>>> SendBatchOnceAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 0)
        {
            return [];
        }

        var ids = requests.Select(_ => Interlocked.Increment(ref lastRequestId)).ToArray();
        var body = new JsonArray([.. requests.Select((request, i) => (JsonNode)RequestJson(ids[i], request.Method, request.Params))]);
        var response = await PostWithRetryAsync(body, cancellationToken);
        if (!response.IsSuccess)
        {
            return [.. requests.Select(_ => RpcResult<JsonElement>.Fail(response.Failure!))];
        }

        using var document = response.Value;
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object)
        {
            // A node that refuses batches answers one error object for the whole array.
            var whole = Interpret(root, null, "batch");
            return [.. requests.Select(_ => whole.IsSuccess ? RpcResult<JsonElement>.TransportError("batch: node answered a single result to a batch.") : whole)];
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            return [.. requests.Select(_ => RpcResult<JsonElement>.TransportError("batch: expected a JSON array."))];
        }

        var byId = new Dictionary<long, JsonElement>();
        foreach (var entry in root.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var entryId))
            {
                byId[entryId] = entry;
            }
        }

        return [.. requests.Select((request, i) => byId.TryGetValue(ids[i], out var entry)
            ? Interpret(entry, ids[i], request.Method)
            : RpcResult<JsonElement>.TransportError($"{request.Method}: no answer for request id {ids[i]} in the batch response."))];
    }

    // ---- plumbing ------------------------------------------------------------------------------------------

    private async Task<RpcResult<JsonDocument>> PostWithRetryAsync(JsonNode body, CancellationToken cancellationToken)
    {
        var payload = body.ToJsonString();
        for (var attempt = 1; ; attempt++)
        {
            var result = await PostOnceAsync(payload, cancellationToken);
            if (result.IsSuccess || !result.Failure!.IsRetryable || attempt >= options.MaxAttempts)
            {
                return result;
            }

            await options.Delay(options.BackoffBefore(attempt), cancellationToken);
        }
    }

    private async Task<RpcResult<JsonDocument>> PostOnceAsync(string payload, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var content = new StringContent(payload, Encoding.UTF8);
            content.Headers.ContentType = JsonMediaType;
            using var response = await http.PostAsync(endpoint, content, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            JsonDocument? document = null;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                // Handled below: an unreadable body is a transport failure whatever the status.
            }

            if (document is not null && (response.IsSuccessStatusCode || LooksLikeJsonRpcError(document.RootElement)))
            {
                // Some nodes send JSON-RPC errors with HTTP 4xx/5xx; the error object, not the status, decides.
                return RpcResult<JsonDocument>.Ok(document);
            }

            document?.Dispose();
            return RpcResult<JsonDocument>.TransportError(response.IsSuccessStatusCode
                ? "response body is not JSON"
                : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return RpcResult<JsonDocument>.TransportError($"timed out after {options.Timeout.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException exception)
        {
            return RpcResult<JsonDocument>.TransportError(exception.Message);
        }
    }

    private static bool LooksLikeJsonRpcError(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object;

    private static RpcResult<JsonElement> Interpret(JsonElement response, long? expectedId, string method)
    {
        if (response.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var code = error.TryGetProperty("code", out var codeElement) && codeElement.TryGetInt64(out var c) ? c : 0;
            var message = error.TryGetProperty("message", out var messageElement) && messageElement.ValueKind == JsonValueKind.String
                ? messageElement.GetString()!
                : "(no message)";
            var data = error.TryGetProperty("data", out var dataElement)
                ? dataElement.ValueKind == JsonValueKind.String ? dataElement.GetString() : dataElement.GetRawText()
                : null;
            return RpcResult<JsonElement>.NodeError(code, message, data);
        }

        if (expectedId is { } id && !(response.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var got) && got == id))
        {
            return RpcResult<JsonElement>.TransportError($"{method}: response id does not match request id {id}.");
        }

        return response.TryGetProperty("result", out var result)
            ? RpcResult<JsonElement>.Ok(result.Clone())
            : RpcResult<JsonElement>.TransportError($"{method}: response has neither result nor error.");
    }

    private static RpcResult<T> Parse<T>(RpcResult<JsonElement> raw, Func<JsonElement, T> parse)
    {
        if (!raw.IsSuccess)
        {
            return RpcResult<T>.Fail(raw.Failure!);
        }

        try
        {
            return RpcResult<T>.Ok(parse(raw.Value));
        }
        catch (Exception exception) when (exception is FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            // A result we cannot read is a malformed answer, not the node refusing the call.
            return RpcResult<T>.TransportError($"malformed result: {exception.Message}");
        }
    }

    private static JsonObject RequestJson(long id, string method, JsonNode?[] parameters) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = id,
        ["method"] = method,
        ["params"] = new JsonArray([.. parameters.Select(p => p?.DeepClone())]),
    };

    private static JsonObject FilterJson(LogFilter filter)
    {
        var json = new JsonObject
        {
            ["fromBlock"] = Hex.EncodeQuantity(filter.FromBlock),
            ["toBlock"] = Hex.EncodeQuantity(filter.ToBlock),
        };
        if (filter.Addresses.Count > 0)
        {
            json["address"] = filter.Addresses.Count == 1
                ? filter.Addresses[0].ToLowerHex()
                : new JsonArray([.. filter.Addresses.Select(a => (JsonNode)a.ToLowerHex())]);
        }

        if (filter.Topics.Count > 0)
        {
            json["topics"] = new JsonArray([.. filter.Topics.Select(position => position switch
            {
                null => null,
                { Count: 1 } single => (JsonNode)Hex.Encode(single[0]),
                var anyOf => new JsonArray([.. anyOf.Select(t => (JsonNode)Hex.Encode(t))]),
            })]);
        }

        return json;
    }

    private static JsonObject CallJson(CallRequest call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var json = new JsonObject();
        if (call.From is { } from)
        {
            json["from"] = from.ToLowerHex();
        }

        if (call.To is { } to)
        {
            json["to"] = to.ToLowerHex();
        }

        if (call.Gas is { } gas)
        {
            json["gas"] = Hex.EncodeQuantity(gas);
        }

        if (call.Value is { } value)
        {
            json["value"] = Hex.EncodeQuantity(value);
        }

        if (call.MaxFeePerGas is { } maxFee)
        {
            json["maxFeePerGas"] = Hex.EncodeQuantity(maxFee);
        }

        if (call.MaxPriorityFeePerGas is { } tip)
        {
            json["maxPriorityFeePerGas"] = Hex.EncodeQuantity(tip);
        }

        if (call.Data is { } data)
        {
            json["data"] = Hex.Encode(data);
        }

        return json;
    }
}
