using Clearing.Actors.Reminders;

namespace Clearing.Actors.Tests;

public sealed class TimerAndReminderTests : IAsyncLifetime
{
    private readonly ActorTestContext _context = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Timer_ticks_as_turns_driven_by_the_fake_clock()
    {
        var host = await _context.StartHostAsync();
        var ticker = host.GrainFactory.GetGrain<ITickerGrain>("t");
        await ticker.StartTimerAsync(TimeSpan.FromSeconds(10));

        _context.Clock.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Equal(0, await ticker.GetTimerTicksAsync()); // a due tick would be queued ahead of this call

        for (var tick = 1; tick <= 3; tick++)
        {
            _context.Clock.Advance(tick == 1 ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromSeconds(10));
            Assert.Equal(tick, await ticker.GetTimerTicksAsync());
        }
    }

    [Fact]
    public async Task Reminder_is_persisted_and_fires_on_a_new_host_after_a_restart()
    {
        var first = await _context.StartHostAsync("host-a");
        await first.GrainFactory.GetGrain<ITickerGrain>("sleeper").StartReminderAsync(TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));
        var start = _context.Clock.GetUtcNow() + TimeSpan.FromMinutes(5);
        await first.StopAsync();

        var stored = Assert.Single(await _context.Stores.Reminders.ReadAllAsync(CancellationToken.None));
        Assert.Equal(new ReminderEntry(new GrainId("ticker", "sleeper"), "wake", start, TimeSpan.FromHours(1)), stored);

        var second = await _context.StartHostAsync("host-b");
        Assert.Equal(0, second.ActivationCount);
        _context.Clock.Advance(TimeSpan.FromMinutes(5));

        await ActorTestContext.UntilAsync(() => _context.Probe.Count("reminder sleeper") == 1, "the reminder tick on the new host");
        Assert.Contains($"reminder sleeper wake at {start:O}", _context.Probe.Events);
        Assert.Equal(1, second.ActivationCount); // the tick activated the grain

        _context.Clock.Advance(TimeSpan.FromHours(1));
        await ActorTestContext.UntilAsync(() => _context.Probe.Count("reminder sleeper") == 2, "the second tick, one period later");
    }

    [Fact]
    public async Task Unregistered_reminder_is_removed_from_the_table_and_no_longer_fires()
    {
        var host = await _context.StartHostAsync();
        var ticker = host.GrainFactory.GetGrain<ITickerGrain>("quiet");
        await ticker.StartReminderAsync(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        Assert.True(await ticker.StopReminderAsync());
        Assert.False(await ticker.StopReminderAsync());
        Assert.Empty(await _context.Stores.Reminders.ReadAllAsync(CancellationToken.None));

        _context.Clock.Advance(TimeSpan.FromMinutes(3));
        await ticker.GetTimerTicksAsync(); // a tick dispatched by the advance would be queued ahead of this call
        Assert.Equal(0, _context.Probe.Count("reminder"));
    }
}
