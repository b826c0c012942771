using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Rpc;

/// <summary>
/// Solana JSON-RPC 2.0 over HTTP. Every call returns an <see cref="RpcResult{T}"/> that tells a transport failure
/// (no usable answer: connection error, timeout, HTTP error status, unreadable body — retried with backoff) from
/// a JSON-RPC error object the node returned (never retried). Every read takes an explicit commitment.
/// </summary>
public sealed class SolanaRpcClient
{
    private static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    private readonly HttpClient http;
    private readonly Uri endpoint;
    private readonly SolanaRpcOptions options;
    private long nextId;

    public SolanaRpcClient(HttpClient http, Uri endpoint, SolanaRpcOptions? options = null)
    {
        this.http = http ?? throw new ArgumentNullException(nameof(http));
        this.endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        this.options = options ?? new SolanaRpcOptions();
        if (this.options.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1.");
        }
    }

    public Uri Endpoint => endpoint;

    /// <summary>"ok" when the node is healthy; an unhealthy node answers with a JSON-RPC error (-32005).</summary>
    public Task<RpcResult<string>> GetHealthAsync(CancellationToken cancellationToken = default) =>
        CallAsync("getHealth", [], r => r.GetString() ?? throw new JsonException("getHealth: null"), cancellationToken);

    public Task<RpcResult<NodeVersion>> GetVersionAsync(CancellationToken cancellationToken = default) =>
        CallAsync("getVersion", [], Deserialize<NodeVersion>, cancellationToken);

    public Task<RpcResult<ulong>> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync("getSlot", [Config(commitment)], r => r.GetUInt64(), cancellationToken);

    public Task<RpcResult<ulong>> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync("getBlockHeight", [Config(commitment)], r => r.GetUInt64(), cancellationToken);

    public Task<RpcResult<ContextValue<LatestBlockhash>>> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync("getLatestBlockhash", [Config(commitment)], r => WithContext(r, Deserialize<LatestBlockhash>), cancellationToken);

    public Task<RpcResult<ContextValue<bool>>> IsBlockhashValidAsync(string blockhash, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync("isBlockhashValid", [blockhash, Config(commitment)], r => WithContext(r, v => v.GetBoolean()), cancellationToken);

    /// <summary>The account's balance in lamports.</summary>
    public Task<RpcResult<ContextValue<ulong>>> GetBalanceAsync(PublicKey account, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync("getBalance", [account.ToString(), Config(commitment)], r => WithContext(r, v => v.GetUInt64()), cancellationToken);

    /// <summary>The account with its raw data (base64 on the wire), or a null value when it does not exist.</summary>
    public Task<RpcResult<ContextValue<AccountInfo?>>> GetAccountInfoAsync(PublicKey account, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync(
            "getAccountInfo",
            [account.ToString(), Config(commitment, ("encoding", "base64"))],
            r => WithContext(r, ReadAccount),
            cancellationToken);

    /// <summary>
    /// A token account as the node decodes it (jsonParsed). The value is null when the account does not exist or is
    /// not a token account (the node then falls back to raw data, which this method does not interpret).
    /// </summary>
    public Task<RpcResult<ContextValue<ParsedTokenAccount?>>> GetTokenAccountAsync(PublicKey account, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync(
            "getAccountInfo",
            [account.ToString(), Config(commitment, ("encoding", "jsonParsed"))],
            r => WithContext(r, v => ReadParsedTokenAccount(account, v)),
            cancellationToken);

    /// <summary>The accounts in the order asked, each null where it does not exist.</summary>
    public Task<RpcResult<ContextValue<IReadOnlyList<AccountInfo?>>>> GetMultipleAccountsAsync(
        IReadOnlyList<PublicKey> accounts, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync(
            "getMultipleAccounts",
            [new JsonArray([.. accounts.Select(a => (JsonNode)a.ToString())]), Config(commitment, ("encoding", "base64"))],
            r => WithContext(r, v => (IReadOnlyList<AccountInfo?>)[.. v.EnumerateArray().Select(ReadAccount)]),
            cancellationToken);

    public Task<RpcResult<ContextValue<TokenAmount>>> GetTokenAccountBalanceAsync(PublicKey tokenAccount, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync("getTokenAccountBalance", [tokenAccount.ToString(), Config(commitment)], r => WithContext(r, Deserialize<TokenAmount>), cancellationToken);

    /// <summary>
    /// Signatures touching <paramref name="address"/>, newest first: those before <paramref name="before"/> (exclusive),
    /// back to <paramref name="until"/> (exclusive), at most <paramref name="limit"/> (the node's maximum is 1000).
    /// The node accepts only confirmed or finalized here.
    /// </summary>
    public Task<RpcResult<IReadOnlyList<SignatureInfo>>> GetSignaturesForAddressAsync(
        PublicKey address, Commitment commitment, string? before = null, string? until = null, int? limit = null, CancellationToken cancellationToken = default) =>
        CallAsync(
            "getSignaturesForAddress",
            [address.ToString(), Config(commitment, ("before", before), ("until", until), ("limit", limit))],
            Deserialize<IReadOnlyList<SignatureInfo>>,
            cancellationToken);

    /// <summary>
    /// The transaction (encoding "json", maxSupportedTransactionVersion 0 so v0 transactions are returned with their
    /// loaded addresses), or a null value when the node does not have it at this commitment.
    /// </summary>
    public Task<RpcResult<TransactionDetails?>> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync(
            "getTransaction",
            [signature, Config(commitment, ("encoding", "json"), ("maxSupportedTransactionVersion", 0))],
            r => r.ValueKind == JsonValueKind.Null ? null : Deserialize<TransactionDetails>(r),
            cancellationToken);

    /// <summary>
    /// Several transactions in one JSON-RPC batch (as <see cref="GetTransactionAsync"/> each), in the order asked. The outer
    /// result fails only on a transport failure; each inner result carries its own value or JSON-RPC error.
    /// </summary>
    public Task<RpcResult<IReadOnlyList<RpcResult<TransactionDetails?>>>> GetTransactionsAsync(
        IReadOnlyList<string> signatures, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallBatchAsync(
            "getTransaction",
            [.. signatures.Select(s => new JsonNode?[] { s, Config(commitment, ("encoding", "json"), ("maxSupportedTransactionVersion", 0)) })],
            r => r.ValueKind == JsonValueKind.Null ? null : Deserialize<TransactionDetails>(r),
            cancellationToken);

    /// <summary>Statuses in the order asked, null where unknown; with history search the node also looks beyond its recent cache.</summary>
    public Task<RpcResult<ContextValue<IReadOnlyList<SignatureStatus?>>>> GetSignatureStatusesAsync(
        IReadOnlyList<string> signatures, bool searchTransactionHistory, CancellationToken cancellationToken = default) =>
        CallAsync(
            "getSignatureStatuses",
            [new JsonArray([.. signatures.Select(s => (JsonNode)s)]), new JsonObject { ["searchTransactionHistory"] = searchTransactionHistory }],
            r => WithContext(r, Deserialize<IReadOnlyList<SignatureStatus?>>),
            cancellationToken);

    /// <summary>Submits a signed transaction (base64 on the wire); returns its signature.</summary>
    public Task<RpcResult<string>> SendTransactionAsync(
        Transaction transaction, Commitment preflightCommitment, bool skipPreflight = false, int? maxRetries = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var config = new JsonObject
        {
            ["encoding"] = "base64",
            ["skipPreflight"] = skipPreflight,
            ["preflightCommitment"] = CommitmentName(preflightCommitment),
        };
        if (maxRetries is { } retries)
        {
            config["maxRetries"] = retries;
        }

        return CallAsync("sendTransaction", [transaction.ToBase64(), config], r => r.GetString() ?? throw new JsonException("sendTransaction: null"), cancellationToken);
    }

    /// <summary>Runs the transaction without committing it; by default without signature checks, with the blockhash kept.</summary>
    public Task<RpcResult<ContextValue<SimulationResult>>> SimulateTransactionAsync(
        Transaction transaction, Commitment commitment, bool sigVerify = false, bool replaceRecentBlockhash = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var config = Config(commitment, ("encoding", "base64"), ("sigVerify", sigVerify), ("replaceRecentBlockhash", replaceRecentBlockhash));
        return CallAsync("simulateTransaction", [transaction.ToBase64(), config], r => WithContext(r, Deserialize<SimulationResult>), cancellationToken);
    }

    /// <summary>Asks a test node for <paramref name="lamports"/>; returns the airdrop transaction's signature.</summary>
    public Task<RpcResult<string>> RequestAirdropAsync(PublicKey account, ulong lamports, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync("requestAirdrop", [account.ToString(), lamports, Config(commitment)], r => r.GetString() ?? throw new JsonException("requestAirdrop: null"), cancellationToken);

    /// <summary>Lamports an account of <paramref name="dataLength"/> bytes needs to be rent exempt.</summary>
    public Task<RpcResult<ulong>> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, Commitment commitment, CancellationToken cancellationToken = default) =>
        CallAsync("getMinimumBalanceForRentExemption", [dataLength, Config(commitment)], r => r.GetUInt64(), cancellationToken);

    public static string CommitmentName(Commitment commitment) => commitment switch
    {
        Commitment.Processed => "processed",
        Commitment.Confirmed => "confirmed",
        Commitment.Finalized => "finalized",
        _ => throw new ArgumentOutOfRangeException(nameof(commitment), commitment, null),
    };

    /// <summary>
    /// One call with retries: transport failures are retried up to <see cref="SolanaRpcOptions.MaxAttempts"/> with
    /// doubling backoff; a JSON-RPC error, or a result whose shape we cannot read, returns at once. Cancellation by
    /// the caller throws; a per-attempt timeout is a transport failure.
    /// </summary>
    private async Task<RpcResult<T>> CallAsync<T>(string method, JsonNode?[] parameters, Func<JsonElement, T> parse, CancellationToken cancellationToken)
    {
        var body = Request(method, parameters).ToJsonString();
        var call = ChainTelemetry.StartRpcCall(options.Chain, method);
        var result = await WithRetriesAsync(method, body, root => ReadSingle(method, root, parse), cancellationToken).ConfigureAwait(false);
        call.End(result.Failure);
        return result;
    }

    /// <summary>
    /// Several calls of one method in one JSON-RPC batch (one HTTP exchange, so one transport outcome); each call
    /// keeps its own JSON-RPC error or value, in the order asked.
    /// </summary>
    private async Task<RpcResult<IReadOnlyList<RpcResult<T>>>> CallBatchAsync<T>(
        string method, IReadOnlyList<JsonNode?[]> parameterLists, Func<JsonElement, T> parse, CancellationToken cancellationToken)
    {
        if (parameterLists.Count == 0)
        {
            return RpcResult<IReadOnlyList<RpcResult<T>>>.Ok([]);
        }

        var requests = parameterLists.Select(p => Request(method, p)).ToList();
        var ids = requests.Select(r => r["id"]!.GetValue<long>()).ToList();
        var body = new JsonArray([.. requests]).ToJsonString();
        var calls = parameterLists.Select(_ => ChainTelemetry.StartRpcCall(options.Chain, method)).ToList();
        var batch = await WithRetriesAsync<IReadOnlyList<RpcResult<T>>>(
            $"{method} batch",
            body,
            root =>
            {
                if (root.ValueKind != JsonValueKind.Array)
                {
                    return (default, Transport($"{method} batch: response is not a JSON array"), true);
                }

                var byId = new Dictionary<long, JsonElement>();
                foreach (var item in root.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("id", out var id) && id.TryGetInt64(out var number))
                    {
                        byId[number] = item;
                    }
                }

                var missing = ids.Count(id => !byId.ContainsKey(id));
                if (missing > 0)
                {
                    return (default, Transport($"{method} batch: {missing} of {ids.Count} responses missing"), true);
                }

                IReadOnlyList<RpcResult<T>> results =
                [
                    .. ids.Select(id => ReadSingle(method, byId[id], parse) is var (value, failure, _) && failure is null
                        ? RpcResult<T>.Ok(value!)
                        : RpcResult<T>.Fail(failure!)),
                ];
                return (results, null, false);
            },
            cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < calls.Count; i++)
        {
            // A transport failure fails every call of the batch; otherwise each call has its own outcome.
            calls[i].End(batch.IsSuccess ? batch.Value[i].Failure : batch.Failure);
        }

        return batch;
    }

    private JsonObject Request(string method, JsonNode?[] parameters)
    {
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = Interlocked.Increment(ref nextId),
            ["method"] = method,
        };
        if (parameters.Length > 0)
        {
            request["params"] = new JsonArray(parameters);
        }

        return request;
    }

    /// <summary>Sends <paramref name="body"/> until an attempt gives an answer that another attempt could not change.</summary>
    private async Task<RpcResult<T>> WithRetriesAsync<T>(
        string label, string body, Func<JsonElement, (T? Value, RpcFailure? Failure, bool Retry)> read, CancellationToken cancellationToken)
    {
        RpcFailure? lastFailure = null;
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(options.BackoffBefore(attempt), options.TimeProvider, cancellationToken).ConfigureAwait(false);
            }

            var (outcome, failure, retry) = await AttemptAsync(label, body, read, cancellationToken).ConfigureAwait(false);
            if (!retry)
            {
                return failure is null ? RpcResult<T>.Ok(outcome!) : RpcResult<T>.Fail(failure);
            }

            lastFailure = failure;
        }

        return RpcResult<T>.Fail(lastFailure! with { Message = $"{lastFailure.Message} (after {options.MaxAttempts} attempts)" });
    }

    /// <summary>One HTTP exchange. <c>Retry</c> is true only for failures another attempt could fix.</summary>
    private async Task<(T? Value, RpcFailure? Failure, bool Retry)> AttemptAsync<T>(
        string label, string body, Func<JsonElement, (T? Value, RpcFailure? Failure, bool Retry)> read, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Timeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        byte[] responseBytes;
        try
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(endpoint, content, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (default, Transport($"{label}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}"), true);
            }

            responseBytes = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (default, Transport($"{label}: timed out after {options.Timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms"), true);
        }
        catch (HttpRequestException e)
        {
            return (default, Transport($"{label}: {e.Message}"), true);
        }

        try
        {
            using var document = JsonDocument.Parse(responseBytes);
            return read(document.RootElement);
        }
        catch (JsonException e)
        {
            return (default, Transport($"{label}: response is not JSON ({e.Message})"), true);
        }
    }

    /// <summary>Reads one JSON-RPC response object: its error, or its result through <paramref name="parse"/>.</summary>
    private static (T? Value, RpcFailure? Failure, bool Retry) ReadSingle<T>(string method, JsonElement response, Func<JsonElement, T> parse)
    {
        if (response.ValueKind != JsonValueKind.Object)
        {
            return (default, Transport($"{method}: response is not a JSON-RPC object"), true);
        }

        if (response.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var code = error.TryGetProperty("code", out var c) && c.TryGetInt64(out var n) ? n : 0;
            var message = error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
            var data = error.TryGetProperty("data", out var d) && d.ValueKind != JsonValueKind.Null ? d.GetRawText() : null;
            return (default, new RpcFailure(RpcFailureKind.JsonRpcError, message, code, data), false);
        }

        if (!response.TryGetProperty("result", out var result))
        {
            return (default, Transport($"{method}: response has neither result nor error"), true);
        }

        try
        {
            return (parse(result), null, false);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or OverflowException)
        {
            // The node answered, but not in a shape we read: retrying would get the same answer.
            return (default, Transport($"{method}: unreadable result: {e.Message}"), false);
        }
    }

    private static RpcFailure Transport(string message) => new(RpcFailureKind.Transport, message);

    private static JsonObject Config(Commitment commitment, params (string Name, object? Value)[] extra)
    {
        var config = new JsonObject { ["commitment"] = CommitmentName(commitment) };
        foreach (var (name, value) in extra)
        {
            if (value is not null)
            {
                config[name] = value switch
                {
                    string text => JsonValue.Create(text),
                    bool flag => JsonValue.Create(flag),
                    int number => JsonValue.Create(number),
                    _ => throw new ArgumentException($"Unsupported config value type {value.GetType().Name} for {name}."),
                };
            }
        }

        return config;
    }

    private static ContextValue<T> WithContext<T>(JsonElement result, Func<JsonElement, T> readValue) =>
        new(result.GetProperty("context").GetProperty("slot").GetUInt64(), readValue(result.GetProperty("value")));

    private static T Deserialize<T>(JsonElement element) =>
        element.Deserialize<T>(JsonOptions) ?? throw new JsonException($"Expected {typeof(T).Name}, got null.");

    private static AccountInfo? ReadAccount(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        // data is [ "<base64>", "base64" ]
        var data = value.GetProperty("data");
        if (data.ValueKind != JsonValueKind.Array || data.GetArrayLength() != 2 || data[1].GetString() != "base64")
        {
            throw new JsonException("Account data is not [\"<base64>\", \"base64\"].");
        }

        return new AccountInfo(
            value.GetProperty("lamports").GetUInt64(),
            PublicKey.Parse(value.GetProperty("owner").GetString()!),
            Convert.FromBase64String(data[0].GetString()!),
            value.GetProperty("executable").GetBoolean(),
            value.GetProperty("rentEpoch").GetUInt64(),
            value.TryGetProperty("space", out var space) ? space.GetUInt64() : null);
    }

    private static ParsedTokenAccount? ReadParsedTokenAccount(PublicKey address, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var data = value.GetProperty("data");
        if (data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("parsed", out var parsed)
            || parsed.GetProperty("type").GetString() != "account")
        {
            return null;
        }

        var info = parsed.GetProperty("info");
        return new ParsedTokenAccount(
            address,
            PublicKey.Parse(value.GetProperty("owner").GetString()!),
            PublicKey.Parse(info.GetProperty("mint").GetString()!),
            PublicKey.Parse(info.GetProperty("owner").GetString()!),
            Deserialize<TokenAmount>(info.GetProperty("tokenAmount")),
            info.GetProperty("state").GetString()!,
            value.GetProperty("lamports").GetUInt64());
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var jsonOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        jsonOptions.Converters.Add(new PublicKeyJsonConverter());
        jsonOptions.MakeReadOnly(populateMissingResolver: true);
        return jsonOptions;
    }
}
