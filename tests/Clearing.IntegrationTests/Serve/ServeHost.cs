using System.Collections.Concurrent;
using Clearing.Actors.Hosting;
using Clearing.Grains.Deposits;
using Clearing.Persistence;
using Clearing.Persistence.Outbox;
using Clearing.Server.Api;
using Clearing.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// <c>clearing serve</c>'s host (ClearingApiHost.Build, what the verb runs) in this process, built from a config file,
/// with its log lines recorded so a test can see what the workers reported, and its services reachable (the actor host,
/// to plan an outbox action as a grain would under the host's lease).
/// </summary>
internal sealed class ServeHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource stop = new();
    private readonly Task running;

    private ServeHost(WebApplication app, Uri url, LogRecorder logs)
    {
        this.app = app;
        Logs = logs;
        Http = new HttpClient { BaseAddress = url };
        running = app.RunAsync(stop.Token);
    }

    public HttpClient Http { get; }

    public LogRecorder Logs { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<ServeHost> StartAsync(string configFile)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var logs = new LogRecorder();
        var app = ClearingApiHost.Build([], builder =>
        {
            builder.Configuration.AddJsonFile(configFile);
            builder.WebHost.UseUrls(url.ToString());
            builder.Logging.AddProvider(logs);
        });
        var host = new ServeHost(app, url, logs);
        await Wait.UntilAsync(
            async () =>
            {
                Assert.False(host.running.IsCompleted, $"serve stopped early: {host.running.Exception?.GetBaseException().Message}");
                try
                {
                    return (await host.Http.GetAsync(new Uri("/health", UriKind.Relative))).IsSuccessStatusCode
                        && host.Services.GetRequiredService<ActorHost>().Epoch is not null;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "serve to answer /health and hold the lease");
        return host;
    }

    /// <summary>Plans an outbox action as a grain's commit would, under this host's lease; returns its id.</summary>
    public Task<long> PlanAsync(string decisionId, string chain, string kind, string payloadJson) =>
        new OutboxStore(Services.GetRequiredService<ClearingDatabase>()).PlanAsync(
            new PlannedAction(decisionId, chain, kind, payloadJson),
            Services.GetRequiredService<ActorHost>().Epoch!.Value,
            DateTimeOffset.UtcNow);

    /// <summary>The height (EVM block, Solana slot) the chain's watcher has committed, or null before its first round.</summary>
    public async Task<ulong?> CommittedHeightAsync(string chain) =>
        (await new DurableDepositSink(Services.GetRequiredService<ActorHost>().GrainFactory).ReadCursorAsync(chain, CancellationToken.None))?.Height;

    /// <summary>
    /// Waits until the chain worker's settlement of <paramref name="decisionId"/> was answered by the account's
    /// liquidation router (applied, or refused with the router's reason), not merely attempted.
    /// </summary>
    public async Task RouterAnsweredAsync(string decisionId)
    {
        try
        {
            await Wait.UntilAsync(
                () => Task.FromResult(Logs.Contains(LogLevel.Information, $"seize {decisionId} of account") || Logs.Contains(LogLevel.Error, $"refused the settlement of {decisionId}")),
                TimeSpan.FromSeconds(30),
                $"the liquidation router to answer the settlement of {decisionId}");
        }
        catch (TimeoutException timeout)
        {
            var attempts = string.Join(" | ", Logs.Lines.Where(l => l.Message.Contains(decisionId, StringComparison.Ordinal)).TakeLast(3).Select(l => l.Message));
            throw new TimeoutException($"{timeout.Message} Last lines about it: {attempts}", timeout);
        }
    }

    public Task<OutboxAction?> OutboxAsync(long actionId) =>
        new OutboxStore(Services.GetRequiredService<ClearingDatabase>()).FindAsync(actionId);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        await app.DisposeAsync();
        Http.Dispose();
        stop.Dispose();
    }
}

/// <summary>Every formatted log line of a host, in order, with its level.</summary>
internal sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> lines = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Lines => [.. lines];

    public bool Contains(LogLevel level, string text) => lines.Any(line => line.Level == level && line.Message.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Recorder(LogRecorder owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.lines.Enqueue((logLevel, category, formatter(state, exception)));
            }
        }
    }
}
