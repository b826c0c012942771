using Clearing.Actors.Storage;

namespace Clearing.Actors.Tests;

public sealed class GrainLifecycleTests : IAsyncLifetime
{
    private readonly ActorTestContext _context = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Grain_is_activated_by_its_first_call_and_only_once()
    {
        var host = await _context.StartHostAsync();
        var counter = host.GrainFactory.GetGrain<ICounterGrain>("alice");
        Assert.Equal(0, host.ActivationCount); // a reference alone activates nothing

        Assert.Equal(1, await counter.IncrementAsync());
        Assert.Equal(2, await counter.IncrementAsync());

        Assert.Equal(1, host.ActivationCount);
        Assert.Equal(["activate alice value=0 version=0"], _context.Probe.Events);
    }

    [Fact]
    public async Task Persistent_state_is_read_before_the_first_turn()
    {
        var host = await _context.StartHostAsync();
        var storage = _context.Stores.GrainStorage["Default"];
        await storage.WriteAsync(new GrainId("counter", "bob"), "counter", """{"Value":41}""", 0, host.Epoch!.Value, CancellationToken.None);

        var counter = host.GrainFactory.GetGrain<ICounterGrain>("bob");

        Assert.Equal(42, await counter.IncrementAsync());
        Assert.Equal("activate bob value=41 version=1", Assert.Single(_context.Probe.Events));
        Assert.Equal("""{"Value":42}""", (await storage.ReadAsync(new GrainId("counter", "bob"), "counter", CancellationToken.None)).Json);
    }

    [Fact]
    public async Task Idle_grain_is_deactivated_after_the_idle_timeout_and_reactivates_with_its_stored_state()
    {
        var host = await _context.StartHostAsync();
        var counter = host.GrainFactory.GetGrain<ICounterGrain>("carol");
        await counter.IncrementAsync();
        await counter.IncrementAsync();

        _context.Clock.Advance(TimeSpan.FromMinutes(14)); // idle timeout is 15 min: not yet
        Assert.Equal(1, host.ActivationCount);

        _context.Clock.Advance(TimeSpan.FromMinutes(2));
        await ActorTestContext.UntilAsync(() => host.ActivationCount == 0, "idle deactivation");
        Assert.Contains("deactivate carol ActivationIdle", _context.Probe.Events);

        Assert.Equal(3, await counter.IncrementAsync());
        Assert.Equal(2, _context.Probe.Count("activate carol"));
        Assert.Contains("activate carol value=2 version=2", _context.Probe.Events);
    }

    [Fact]
    public async Task DeactivateOnIdle_deactivates_after_the_current_request_and_the_next_call_reactivates()
    {
        var host = await _context.StartHostAsync();
        var counter = host.GrainFactory.GetGrain<ICounterGrain>("dave");
        await counter.IncrementAsync();

        await counter.DeactivateAsync();
        await ActorTestContext.UntilAsync(() => host.ActivationCount == 0, "requested deactivation");

        Assert.Equal(1, await counter.GetAsync());
        Assert.Equal(
            ["activate dave value=0 version=0", "deactivate dave ApplicationRequested", "activate dave value=1 version=1"],
            _context.Probe.Events);
    }

    [Fact]
    public async Task Stale_write_throws_InconsistentStateException_drops_the_activation_and_the_next_call_reloads_from_storage()
    {
        var host = await _context.StartHostAsync();
        var counter = host.GrainFactory.GetGrain<ICounterGrain>("erin");
        await counter.IncrementAsync(); // stored version 1, Value 1

        // Another writer moves the stored state on behind the activation's back.
        var storage = _context.Stores.GrainStorage["Default"];
        await storage.WriteAsync(new GrainId("counter", "erin"), "counter", """{"Value":100}""", 1, host.Epoch!.Value, CancellationToken.None);

        var stale = await Assert.ThrowsAsync<InconsistentStateException>(counter.IncrementAsync);
        Assert.Equal(2, stale.StoredVersion);
        Assert.Equal(1, stale.CurrentVersion);

        // The in-memory 2 did not survive: the grain was reloaded and sees the stored 100.
        Assert.Equal(100, await counter.GetAsync());
        Assert.Equal(101, await counter.IncrementAsync());
        Assert.Equal(["activate erin value=0 version=0", "activate erin value=100 version=2"], _context.Probe.Events);
    }

    [Fact]
    public async Task Activation_that_cannot_read_its_state_fails_the_call_and_the_next_call_activates_afresh()
    {
        var flaky = new FlakyStorage(_context.Stores.GrainStorage["Default"]) { FailNextRead = true };
        var stores = _context.Stores with { GrainStorage = new Dictionary<string, IGrainStorage> { ["Default"] = flaky } };
        var host = await _context.StartHostAsync(stores: stores);
        var counter = host.GrainFactory.GetGrain<ICounterGrain>("frank");

        var failure = await Assert.ThrowsAsync<IOException>(counter.IncrementAsync);
        Assert.Equal("storage unreachable", failure.Message);
        Assert.Empty(_context.Probe.Events); // OnActivateAsync never ran
        await ActorTestContext.UntilAsync(() => host.ActivationCount == 0, "the failed activation to be removed");

        Assert.Equal(1, await counter.IncrementAsync());
        Assert.Equal(["activate frank value=0 version=0"], _context.Probe.Events);
    }

    [Fact]
    public async Task State_committed_through_a_unit_of_work_carries_the_epoch_and_moves_the_version_on()
    {
        var host = await _context.StartHostAsync();
        var counter = host.GrainFactory.GetGrain<IDurableCounterGrain>("gina");

        Assert.Equal(10, await counter.AddDurablyAsync(10));
        Assert.Equal(11, await counter.IncrementAsync()); // WriteStateAsync expects the version the commit produced

        var stored = await _context.Stores.GrainStorage["Default"].ReadAsync(new GrainId("durable-counter", "gina"), "counter", CancellationToken.None);
        Assert.Equal(new GrainStateRecord(2, """{"Value":11}"""), stored);
        Assert.Equal(host.Epoch, Assert.Single(_context.UnitOfWork!.Epochs));
    }

    [Fact]
    public async Task Conflicting_unit_of_work_commit_drops_the_activation_like_a_stale_write()
    {
        var host = await _context.StartHostAsync();
        var counter = host.GrainFactory.GetGrain<IDurableCounterGrain>("hank");
        await counter.AddDurablyAsync(1);
        var storage = _context.Stores.GrainStorage["Default"];
        await storage.WriteAsync(new GrainId("durable-counter", "hank"), "counter", """{"Value":50}""", 1, host.Epoch!.Value, CancellationToken.None);

        await Assert.ThrowsAsync<InconsistentStateException>(() => counter.AddDurablyAsync(1));

        Assert.Equal(51, await counter.IncrementAsync());
        Assert.Equal(["activate hank value=0 version=0", "activate hank value=50 version=2"], _context.Probe.Events);
    }

    [Fact]
    public async Task Calls_racing_with_deactivations_are_each_applied_once_on_some_activation()
    {
        var host = await _context.StartHostAsync();
        var random = new Random(20261121);
        var sent = new int[8];
        var calls = new List<Task>();
        for (var i = 0; i < 2_000; i++)
        {
            var key = random.Next(sent.Length);
            var counter = host.GrainFactory.GetGrain<ICounterGrain>($"race-{key}");
            if (random.Next(10) == 0)
            {
                calls.Add(counter.DeactivateAsync());
            }
            else
            {
                sent[key]++;
                calls.Add(counter.IncrementAsync());
            }
        }

        await Task.WhenAll(calls);

        for (var key = 0; key < sent.Length; key++)
        {
            Assert.Equal(sent[key], await host.GrainFactory.GetGrain<ICounterGrain>($"race-{key}").GetAsync());
        }

        Assert.True(_context.Probe.Count("deactivate race-") > sent.Length, "the calls did race with deactivations");
    }
}
