using System.Collections.Concurrent;
using System.Reflection;

namespace Clearing.Actors.Hosting;

/// <summary>
/// What the host needs to know about one grain interface method, computed once per method by reflection (the part
/// Orleans' code generator writes at build time): how to invoke it on a grain and unpack its result, how to hand the
/// result back as the caller's Task or Task&lt;T&gt;, and its interleaving and timeout attributes.
/// </summary>
internal sealed class GrainMethod
{
    private static readonly ConcurrentDictionary<MethodInfo, GrainMethod> s_cache = new();
    private static readonly MethodInfo s_resultOf = typeof(GrainMethod).GetMethod(nameof(ResultOf), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo s_castResult = typeof(GrainMethod).GetMethod(nameof(CastResultAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly MethodInfo _method;
    private readonly Func<Task, object?>? _resultOf;
    private readonly Func<Task<object?>, Task> _toCallerTask;

    private GrainMethod(MethodInfo method)
    {
        if (!ReturnsTask(method))
        {
            throw new NotSupportedException($"Grain method {method.DeclaringType}.{method.Name} must return Task or Task<T>.");
        }

        _method = method;
        Name = method.Name;
        AlwaysInterleave = method.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: false);
        Timeout = method.GetCustomAttribute<ResponseTimeoutAttribute>()?.Timeout;
        if (method.ReturnType.IsGenericType)
        {
            var resultType = method.ReturnType.GetGenericArguments()[0];
            _resultOf = s_resultOf.MakeGenericMethod(resultType).CreateDelegate<Func<Task, object?>>();
            _toCallerTask = s_castResult.MakeGenericMethod(resultType).CreateDelegate<Func<Task<object?>, Task>>();
        }
        else
        {
            _toCallerTask = completion => completion;
        }
    }

    public string Name { get; }

    public bool AlwaysInterleave { get; }

    /// <summary>The method's <see cref="ResponseTimeoutAttribute"/>, if any; else the host default applies.</summary>
    public TimeSpan? Timeout { get; }

    public static GrainMethod For(MethodInfo method) => s_cache.GetOrAdd(method, static m => new GrainMethod(m));

    public static bool ReturnsTask(MethodInfo method) =>
        method.ReturnType == typeof(Task)
        || (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>));

    /// <summary>Runs the method on the grain (inside the activation's turn) and returns its result boxed.</summary>
    public async Task<object?> InvokeAsync(Grain grain, object?[] arguments)
    {
        var task = (Task)_method.Invoke(grain, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null)!;
        await task;
        return _resultOf?.Invoke(task);
    }

    /// <summary>The request's completion as the Task or Task&lt;T&gt; the interface method returns.</summary>
    public Task ToCallerTask(Task<object?> completion) => _toCallerTask(completion);

    private static object? ResultOf<T>(Task task) => ((Task<T>)task).Result;

    private static async Task<T> CastResultAsync<T>(Task<object?> completion) => (T)(await completion.ConfigureAwait(false))!;
}
