using Clearing.Actors.Hosting;

namespace Clearing.Actors.Tests;

public sealed class TurnTests : IAsyncLifetime
{
    private const int Calls = 50;
    private readonly ActorTestContext _context = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Non_reentrant_grain_runs_one_request_at_a_time_in_arrival_order()
    {
        var host = await _context.StartHostAsync();
        var grain = host.GrainFactory.GetGrain<ISequenceGrain>("fifo");

        var calls = Enumerable.Range(0, Calls).Select(grain.RecordAsync).ToList();
        await ActorTestContext.UntilAsync(() => _context.Probe.InProgress == 1, "the first request to start");
        Assert.Single(_context.Probe.Order); // the others wait behind the one holding the turn

        _context.Probe.Gate.SetResult();
        await Task.WhenAll(calls);

        Assert.Equal(1, _context.Probe.MaxInProgress);
        Assert.Equal(Enumerable.Range(0, Calls), _context.Probe.Order);
    }

    [Fact]
    public async Task Reentrant_grain_starts_waiting_requests_while_one_awaits()
    {
        var host = await _context.StartHostAsync();
        var grain = host.GrainFactory.GetGrain<IReentrantSequenceGrain>("interleaved");

        var calls = Enumerable.Range(0, Calls).Select(grain.RecordAsync).ToList();
        await ActorTestContext.UntilAsync(() => _context.Probe.InProgress == Calls, "every request to start");

        _context.Probe.Gate.SetResult();
        await Task.WhenAll(calls);
        Assert.Equal(Calls, _context.Probe.MaxInProgress);
    }

    [Fact]
    public async Task AlwaysInterleave_method_runs_while_another_request_holds_the_turn()
    {
        var host = await _context.StartHostAsync();
        var grain = host.GrainFactory.GetGrain<IBehaviourGrain>("busy");
        var holding = grain.WaitForGateAsync();
        var queuedPing = grain.PingAsync();

        Assert.Equal("peeked", await grain.PeekAsync());
        Assert.False(queuedPing.IsCompleted);

        _context.Probe.Gate.SetResult();
        await holding;
        Assert.Equal("pong from busy", await queuedPing);
    }

    [Fact]
    public async Task Exception_in_a_grain_reaches_the_caller_and_the_activation_stays_usable()
    {
        var host = await _context.StartHostAsync();
        var grain = host.GrainFactory.GetGrain<IBehaviourGrain>("fragile");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.FailAsync("bad input"));
        Assert.Equal("bad input", failure.Message);

        Assert.Equal("pong from fragile", await grain.PingAsync());
        Assert.Equal(1, host.ActivationCount);
    }

    [Fact]
    public async Task Call_times_out_after_its_response_timeout_by_the_clock_and_the_grain_serves_again_after()
    {
        var host = await _context.StartHostAsync();
        var grain = host.GrainFactory.GetGrain<IBehaviourGrain>("slow");
        var call = grain.WaitForGateAsync(); // [ResponseTimeout("00:00:05")]
        var queued = grain.PingAsync(); // default timeout 30 s; waits behind it
        await ActorTestContext.UntilAsync(() => _context.Probe.Count("waiting for the gate") == 1, "the gated call to hold the turn");

        _context.Clock.Advance(TimeSpan.FromSeconds(4.999));
        Assert.False(call.IsCompleted);

        _context.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => call);
        Assert.Contains("behaviour/slow", timeout.Message, StringComparison.Ordinal);
        Assert.False(queued.IsCompleted);

        _context.Probe.Gate.SetResult();
        Assert.Equal("pong from slow", await queued);
    }

    [Fact]
    public async Task Call_cycle_between_non_reentrant_grains_fails_as_a_timeout_naming_the_cycle()
    {
        var host = await _context.StartHostAsync();
        var a = host.GrainFactory.GetGrain<IBehaviourGrain>("a");

        var deadlock = await Assert.ThrowsAsync<DeadlockException>(() => a.CallAsync(["b", "a"]));

        Assert.IsAssignableFrom<TimeoutException>(deadlock);
        Assert.Equal(["behaviour/a.CallAsync", "behaviour/b.CallAsync", "behaviour/a.CallAsync"], deadlock.Cycle);
        Assert.Contains("behaviour/a.CallAsync → behaviour/b.CallAsync → behaviour/a.CallAsync", deadlock.Message, StringComparison.Ordinal);

        // Not a cycle: a → b → c completes, and both grains still serve.
        Assert.Equal("a → b → c", await a.CallAsync(["b", "c"]));
    }

    [Fact]
    public async Task Call_cycle_through_reentrant_grains_is_allowed_to_interleave()
    {
        var host = await _context.StartHostAsync();

        Assert.Equal("a → b → a", await host.GrainFactory.GetGrain<IRelayGrain>("a").CallAsync(["b", "a"]));
    }

    [Fact]
    public async Task References_to_the_same_grain_are_equal_and_name_it()
    {
        var host = await _context.StartHostAsync();
        var first = host.GrainFactory.GetGrain<IBehaviourGrain>("k");

        Assert.Equal(first, host.GrainFactory.GetGrain<IBehaviourGrain>("k"));
        Assert.NotEqual(first, host.GrainFactory.GetGrain<IBehaviourGrain>("other"));
        Assert.Equal("k", first.GetPrimaryKeyString());
        Assert.Equal("behaviour/k", first.ToString());
    }
}
