namespace Clearing.Chains;

/// <summary>What went wrong with a remote call: the node said no, or we never got a usable answer.</summary>
public enum RpcFailureKind
{
    /// <summary>The node answered with a JSON-RPC error object; retrying the same request will not help.</summary>
    JsonRpcError,

    /// <summary>No usable answer: connection refused, timeout, HTTP error, malformed body. Safe to retry.</summary>
    Transport,
}

/// <summary>A JSON-RPC error object or a transport failure, with enough detail to log and decide on a retry.</summary>
public sealed record RpcFailure(RpcFailureKind Kind, string Message, long? Code = null, string? Data = null)
{
    public bool IsRetryable => Kind == RpcFailureKind.Transport;

    public override string ToString() =>
        Kind == RpcFailureKind.JsonRpcError ? $"JSON-RPC error {Code}: {Message}" : $"transport failure: {Message}";
}

/// <summary>
/// The result of one JSON-RPC call (Solnet's RequestResult is the model): either a value or a failure
/// that tells a transport problem (retry) from an error the node returned (do not retry blindly).
/// </summary>
public readonly record struct RpcResult<T>
{
    private readonly T? value;

    private RpcResult(T? value, RpcFailure? failure)
    {
        this.value = value;
        Failure = failure;
    }

    public RpcFailure? Failure { get; }

    public bool IsSuccess => Failure is null;

    /// <summary>The value of a successful call; throws <see cref="RpcException"/> carrying the failure otherwise.</summary>
    public T Value => Failure is null ? value! : throw new RpcException(Failure);

    public static RpcResult<T> Ok(T value) => new(value, null);

    public static RpcResult<T> Fail(RpcFailure failure) => new(default, failure);

    public static RpcResult<T> NodeError(long code, string message, string? data = null) =>
        Fail(new RpcFailure(RpcFailureKind.JsonRpcError, message, code, data));

    public static RpcResult<T> TransportError(string message) => Fail(new RpcFailure(RpcFailureKind.Transport, message));

    public RpcResult<TOut> Map<TOut>(Func<T, TOut> map) =>
        Failure is null ? RpcResult<TOut>.Ok(map(value!)) : RpcResult<TOut>.Fail(Failure);
}

/// <summary>Thrown when a caller asks for the value of a failed <see cref="RpcResult{T}"/>.</summary>
public sealed class RpcException(RpcFailure failure) : Exception(failure.ToString())
{
    public RpcFailure Failure { get; } = failure;
}
