using System.Text.Json;
using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Actors.Storage;
using Clearing.Chains;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Deposits;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using ChainCursor = Clearing.Chains.ChainCursor;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Tests.Crash;

/// <summary>
/// Entry point of this assembly when the crash test runs it as a child process:
/// <c>dotnet Clearing.Grains.Tests.dll crash-host &lt;postgres connection string&gt; &lt;host id&gt; &lt;accounts&gt;</c>.
/// It hosts the grains on the real clock with a short lease, prints <c>ready</c> once it holds the lease, executes
/// every command line from stdin as it arrives and prints <c>ack {json}</c> once the command's commit returned
/// (<c>err seq message</c> if it threw). The test kills it with SIGKILL at random points.
/// </summary>
public static class CrashHostProgram
{
    private static readonly Lock Output = new();

    public static async Task<int> Main(string[] args)
    {
        if (args is not ["crash-host", var connectionString, var hostId, var accountsText])
        {
            await Console.Error.WriteLineAsync("usage: crash-host <postgres connection string> <host id> <accounts>");
            return 2;
        }

        var accounts = int.Parse(accountsText, System.Globalization.CultureInfo.InvariantCulture);
        var database = new ClearingDatabase(SqlDialect.PostgreSql, connectionString);
        var services = new Services(new Dictionary<Type, object>
        {
            [typeof(DurableUnitOfWork)] = new DurableUnitOfWork(database),
            [typeof(CursorStore)] = new CursorStore(database),
            [typeof(IRiskConfigurationProvider)] = TestRisk.Configuration,
        });
        var stores = SqlActorStores.For(database);
        // A short lease: a killed host's successor takes over a few seconds later.
        var options = new ActorHostOptions
        {
            HostId = hostId,
            LeaseTtl = TimeSpan.FromSeconds(3),
            LeaseRenewInterval = TimeSpan.FromMilliseconds(250),
            OnBackgroundError = (grain, error) => Say($"background {grain}: {error.Message}"),
        };
        var host = new ActorHost(options, new GrainRegistry().AddClearingGrains(), stores, TimeProvider.System, services);
        await host.StartAsync();
        while (!host.IsActive)
        {
            await Task.Delay(50); // a child process on the real clock, waiting for the killed holder's lease to lapse
        }

        Say("ready");
        var sink = new DurableDepositSink(host.GrainFactory);
        var running = new List<Task>();
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var command = CrashCommand.FromJson(line);
            // Called on this loop, in arrival order, so calls to one grain queue in the order they were sent.
            running.Add(AnswerAsync(command, Execute(host.GrainFactory, sink, command, accounts)));
        }

        await Task.WhenAll(running);
        await host.StopAsync();
        return 0;
    }

    private static Task<CrashAck> Execute(IGrainFactory grains, DurableDepositSink sink, CrashCommand command, int accounts)
    {
        var account = grains.GetGrain<IMarginAccountGrain>(command.Account);
        return command.Kind switch
        {
            "deposit" => account.CreditDepositAsync(new CreditDeposit(new DepositKey(TestRisk.Chain, command.Id, 0), "USDC", command.Units, 1, "0xblock1", "0xdepositor"))
                .ContinueWith(t => new CrashAck(command.Seq, true, t.Result.Replayed), TaskContinuationOptions.ExecuteSynchronously),
            "batch" => sink.CommitFinalizedAsync(TestRisk.Chain, new ChainCursor(command.Height, $"0xblock{command.Height}"),
                    [.. command.BatchDeposits(accounts).Select(d => new ObservedDeposit(new DepositKey(TestRisk.Chain, d.Tx, 0), d.Account, "USDC", "0xtoken", d.Units, command.Height, $"0xblock{command.Height}", "0xdepositor"))],
                    CancellationToken.None)
                .ContinueWith(t => { t.GetAwaiter().GetResult(); return new CrashAck(command.Seq, true, false); }, TaskContinuationOptions.ExecuteSynchronously),
            "withdraw" => account.RequestWithdrawalAsync(new RequestWithdrawal(command.Id, TestRisk.Chain, "USDC", command.Units, "0xdest"))
                .ContinueWith(t => new CrashAck(command.Seq, t.Result.Accepted, t.Result.Replayed), TaskContinuationOptions.ExecuteSynchronously),
            "trade" => account.ApplyTradeAsync(new ApplyTrade(command.Id, TestRisk.Market, Fixed.Parse(command.Size!), Fixed.FromInt(2000)))
                .ContinueWith(t => new CrashAck(command.Seq, t.Result.Accepted, t.Result.Replayed), TaskContinuationOptions.ExecuteSynchronously),
            _ => throw new FormatException($"Unknown command kind {command.Kind}."),
        };
    }

    private static async Task AnswerAsync(CrashCommand command, Task<CrashAck> execution)
    {
        try
        {
            Say("ack " + JsonSerializer.Serialize(await execution));
        }
        catch (Exception error)
        {
            Say($"err {command.Seq} {error.GetBaseException().GetType().Name}: {error.GetBaseException().Message.ReplaceLineEndings(" ")}");
        }
    }

    private static void Say(string line)
    {
        lock (Output)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    private sealed class Services(IReadOnlyDictionary<Type, object> services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);
    }
}
