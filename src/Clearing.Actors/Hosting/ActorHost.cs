using System.Reflection;
using Clearing.Actors.Lease;
using Clearing.Actors.Storage;

namespace Clearing.Actors.Hosting;

/// <summary>
/// The virtual actor host: a directory of activations keyed by <see cref="GrainId"/>, the router every grain call
/// goes through, and the owner of the time-driven parts (call timeouts, idle collection, reminders, the lease).
/// </summary>
/// <remarks>
/// A host serves only while it holds the database's lease (<see cref="IHostLease"/>): <see cref="StartAsync"/> tries
/// to take it, and a clock timer renews it (holder) or keeps trying (standby). Whenever the host takes a lease of a
/// new epoch it drops every activation it had, loads the reminders, and serves; when it loses the lease (another host
/// holds it, or it could not renew before the TTL ran out) it drops everything and refuses calls with
/// <see cref="HostNotActiveException"/>. Activations write with the epoch they were created under, so storage refuses
/// the writes of a deposed host even before it notices.
/// </remarks>
public sealed class ActorHost : IAsyncDisposable
{
    private readonly ActorHostStores _stores;
    private readonly IServiceProvider? _services;
    private readonly Lock _directoryGate = new();
    private readonly Dictionary<GrainId, Activation> _activations = [];
    // Never disposed: it has no wait handle to free, and a renewal tick may still be leaving it while the host stops.
    private readonly SemaphoreSlim _leaseGate = new(1, 1);
    private ITimer? _leaseTimer;
    private ITimer? _collectionTimer;
    private volatile LeaseGrant? _lease;
    private volatile bool _stopping;

    /// <param name="services">Resolves grain constructor parameters other than persistent states, <see cref="IGrainFactory"/> and <see cref="TimeProvider"/>.</param>
    public ActorHost(ActorHostOptions options, GrainRegistry grains, ActorHostStores stores, TimeProvider clock, IServiceProvider? services = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Grains = grains ?? throw new ArgumentNullException(nameof(grains));
        _stores = stores ?? throw new ArgumentNullException(nameof(stores));
        Clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _services = services;
        GrainFactory = new Factory(this);
        Reminders = new ReminderService(this, stores.Reminders);
    }

    public string HostId => Options.HostId;

    public IGrainFactory GrainFactory { get; }

    /// <summary>True while the host holds an unexpired lease (by its clock) and is not stopping: it serves calls.</summary>
    public bool IsActive => !_stopping && _lease is { } lease && lease.IsHeldAt(Clock.GetUtcNow());

    /// <summary>The epoch of the lease the host holds, or null.</summary>
    public long? Epoch => _lease?.Epoch;

    /// <summary>How many activations the directory holds (ones being dropped or deactivated are no longer counted).</summary>
    public int ActivationCount
    {
        get
        {
            lock (_directoryGate)
            {
                return _activations.Count;
            }
        }
    }

    internal ActorHostOptions Options { get; }

    internal GrainRegistry Grains { get; }

    internal TimeProvider Clock { get; }

    internal ReminderService Reminders { get; }

    /// <summary>Tries to take the lease (serving if it gets it, standing by if not) and starts the clock-driven timers.</summary>
    public async Task StartAsync()
    {
        await RenewLeaseAsync().ConfigureAwait(false);
        using (ExecutionContext.SuppressFlow())
        {
            _leaseTimer = Clock.CreateTimer(static host => _ = ((ActorHost)host!).RenewLeaseAsync(), this, Options.LeaseRenewInterval, Options.LeaseRenewInterval);
            _collectionTimer = Clock.CreateTimer(static host => ((ActorHost)host!).CollectIdleActivations(), this, Options.CollectionQuantum, Options.CollectionQuantum);
        }
    }

    /// <summary>
    /// Stops serving, deactivates every activation gracefully (running requests finish, <c>OnDeactivateAsync</c> may
    /// still write), then releases the lease so a standby can take over at once. If <paramref name="cancellationToken"/>
    /// fires first, the lease is released anyway: writes of requests still running then carry a stale epoch and are fenced.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        _stopping = true;
        _leaseTimer?.Dispose();
        _collectionTimer?.Dispose();
        Reminders.Stop();
        var deactivations = EvictAll(DeactivationReason.HostShutdown);
        try
        {
            await Task.WhenAll(deactivations).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stop waiting for stuck turns; releasing the lease below fences whatever they still write.
        }
        if (_lease is { } lease)
        {
            _lease = null;
            try
            {
                await _stores.Lease.ReleaseAsync(HostId, lease.Epoch, Clock.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception unreachable)
            {
                // Stopping anyway: the lease then lapses after its TTL instead of at once.
                ReportBackgroundError(null, unreachable);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopping)
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A call from a grain reference: pack it into a request, start its timeout, route it.</summary>
    internal Task Invoke(GrainId target, GrainMethod method, object?[] arguments)
    {
        var request = new GrainRequest(target, method.Name, grain => method.InvokeAsync(grain, arguments), method.AlwaysInterleave, CallChain.Current, RequestKind.Call);
        request.StartTimeout(Clock, method.Timeout ?? Options.DefaultCallTimeout);
        Dispatch(request);
        return method.ToCallerTask(request.Completion.Task);
    }

    /// <summary>Routes a request to the grain's activation, creating the activation if there is none.</summary>
    internal void Dispatch(GrainRequest request)
    {
        if (request.IsCompleted)
        {
            return;
        }

        var lease = _lease;
        if (_stopping || lease is null || !lease.IsHeldAt(Clock.GetUtcNow()))
        {
            request.Fail(new HostNotActiveException(HostId));
            return;
        }

        GrainClass grainClass;
        try
        {
            grainClass = Grains.ForType(request.Target.Type);
        }
        catch (ArgumentException unknownType)
        {
            request.Fail(unknownType);
            return;
        }

        while (true)
        {
            Activation activation;
            var created = false;
            lock (_directoryGate)
            {
                if (!_activations.TryGetValue(request.Target, out activation!))
                {
                    activation = new Activation(this, request.Target, grainClass, lease.Epoch);
                    _activations.Add(request.Target, activation);
                    created = true;
                }
            }

            if (created)
            {
                activation.Start();
            }

            if (activation.TryEnqueue(request))
            {
                return;
            }
        }
    }

    internal void RemoveActivation(Activation activation)
    {
        lock (_directoryGate)
        {
            if (_activations.TryGetValue(activation.GrainId, out var current) && ReferenceEquals(current, activation))
            {
                _activations.Remove(activation.GrainId);
            }
        }
    }

    /// <summary>A write of <paramref name="activation"/> was fenced: drop it, and if it wrote with our current epoch, we were deposed.</summary>
    internal void OnFenced(Activation activation, FencedWriteException fenced)
    {
        activation.RequestDeactivation(DeactivationReason.LeaseLost);
        if (_lease?.Epoch == fenced.WriteEpoch)
        {
            LoseLease();
        }
    }

    internal void ReportBackgroundError(GrainId? grainId, Exception error) => Options.OnBackgroundError?.Invoke(grainId, error);

    /// <summary>The value of one grain constructor parameter.</summary>
    internal object? ResolveConstructorArgument(Activation activation, ParameterInfo parameter)
    {
        if (parameter.GetCustomAttribute<PersistentStateAttribute>() is { } stateAttribute)
        {
            var type = parameter.ParameterType;
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(IPersistentState<>))
            {
                throw new InvalidOperationException($"[PersistentState] parameter '{parameter.Name}' must be an IPersistentState<T>.");
            }

            if (!_stores.GrainStorage.TryGetValue(stateAttribute.StorageName, out var storage))
            {
                throw new InvalidOperationException($"Grain storage '{stateAttribute.StorageName}' (state '{stateAttribute.StateName}' of {activation.GrainId}) is not configured.");
            }

            var stateType = typeof(PersistentState<>).MakeGenericType(type.GetGenericArguments()[0]);
            return Activator.CreateInstance(stateType, activation, storage, stateAttribute.StateName, Options.JsonOptions);
        }

        if (parameter.ParameterType == typeof(IGrainFactory))
        {
            return GrainFactory;
        }

        if (parameter.ParameterType == typeof(TimeProvider))
        {
            return Clock;
        }

        return _services?.GetService(parameter.ParameterType)
            ?? (parameter.HasDefaultValue
                ? parameter.DefaultValue
                : throw new InvalidOperationException($"Cannot resolve constructor parameter '{parameter.Name}' ({parameter.ParameterType}) of grain {activation.GrainId}."));
    }

    /// <summary>Renews the lease (or tries to take it); adopts a new epoch or steps down. One at a time; a tick during a slow renewal is skipped.</summary>
    private async Task RenewLeaseAsync()
    {
        if (!await _leaseGate.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            if (_stopping)
            {
                return;
            }

            var now = Clock.GetUtcNow();
            LeaseGrant? grant;
            try
            {
                grant = await _stores.Lease.TryAcquireAsync(HostId, now, Options.LeaseTtl, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception unreachable)
            {
                // The lease store could not be asked: keep serving until our grant runs out, then step down.
                ReportBackgroundError(null, unreachable);
                if (_lease is { } held && !held.IsHeldAt(now))
                {
                    LoseLease();
                }

                return;
            }

            if (grant is null)
            {
                LoseLease();
                return;
            }

            if (_lease?.Epoch != grant.Epoch)
            {
                // A new tenure: whatever we had in memory may have been changed by another host since.
                LoseLease();
                await Reminders.LoadAsync().ConfigureAwait(false);
            }

            _lease = grant;
        }
        catch (Exception loadFailure)
        {
            // Reminders could not be loaded: do not serve without them; the next tick tries again.
            ReportBackgroundError(null, loadFailure);
            LoseLease();
        }
        finally
        {
            _leaseGate.Release();
        }
    }

    private void LoseLease()
    {
        _lease = null;
        Reminders.Stop();
        EvictAll(DeactivationReason.LeaseLost);
    }

    private List<Task> EvictAll(DeactivationReason reason)
    {
        List<Activation> evicted;
        lock (_directoryGate)
        {
            evicted = [.. _activations.Values];
            _activations.Clear();
        }

        foreach (var activation in evicted)
        {
            activation.RequestDeactivation(reason);
        }

        return [.. evicted.Select(activation => activation.Deactivated)];
    }

    private void CollectIdleActivations()
    {
        List<Activation> activations;
        lock (_directoryGate)
        {
            activations = [.. _activations.Values];
        }

        var now = Clock.GetUtcNow();
        foreach (var activation in activations)
        {
            activation.CollectIfIdle(now, Options.IdleTimeout);
        }
    }

    private sealed class Factory(ActorHost host) : IGrainFactory
    {
        public TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
            where TGrainInterface : IGrainWithStringKey
        {
            ArgumentNullException.ThrowIfNull(primaryKey);
            var grainClass = host.Grains.ForInterface(typeof(TGrainInterface));
            return GrainReference.Create<TGrainInterface>(host, new GrainId(grainClass.TypeName, primaryKey));
        }
    }
}
