using System.Numerics;
using System.Text.Json;
using Clearing.Actors.Testing;
using Clearing.Domain.Numerics;
using Clearing.Grains.Durable;
using Clearing.Grains.Tests.Deposits;
using Clearing.Persistence;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.Outbox;
using Clearing.TestKit;
using Xunit.Abstractions;

namespace Clearing.Grains.Tests.Crash;

/// <summary>
/// Issue 4's crash test: the grains run in a child process on PostgreSQL, a driver sends seeded mixed commands
/// (deposits, sink batches, withdrawals, trades; up to <see cref="Window"/> in flight) and SIGKILLs the host after a
/// random number of acknowledgements, then starts a new host and resends what was not acknowledged (the same keys).
/// Afterwards every command was applied exactly once, the journal balances, balances equal the journal, and no
/// outbox action appears twice. After every SIGKILL, in the database as the killed host left it: per account, ledger
/// balance = state balance + deposit credits still waiting in its inbox (a sink batch is one transaction; the accounts
/// absorb its credits in their own later commits, so a kill between the two must lose and double nothing).
/// </summary>
[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class CrashTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Accounts = 8;
    private const int Commands = 1_000;
    private const int Window = 4;

    [Fact]
    public async Task Host_killed_at_random_points_applies_every_acknowledged_command_exactly_once()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var database = new ClearingDatabase(SqlDialect.PostgreSql, connectionString);
        await new SchemaMigrator(database, new FakeClock()).MigrateAsync();
        var commands = Generate(new Random(20261121), Commands);
        var killPoints = new Random(4);
        var acks = new Dictionary<int, CrashAck>();
        var errors = new List<string>();
        var kills = 0;
        var refusedWhileDeposed = 0;
        var killedBeforeAbsorption = 0;
        for (var life = 1; acks.Count < commands.Count; life++)
        {
            Assert.True(life < 400, "The crash test does not converge: " + string.Join("; ", errors.Take(5)));
            // A re-reading watcher starts after the stored cursor: batches at or below it are done, acknowledged or not.
            var cursor = await new CursorStore(database).GetAsync(TestRisk.Chain);
            foreach (var batch in commands.Where(c => c.Kind == "batch" && !acks.ContainsKey(c.Seq) && cursor is not null && (long)c.Height <= cursor.Position))
            {
                acks[batch.Seq] = new CrashAck(batch.Seq, true, true);
            }

            var queue = new LinkedList<CrashCommand>(commands.Where(c => !acks.ContainsKey(c.Seq)));
            var kill = queue.Count > 25;
            var killAfter = killPoints.Next(5, 70);
            // Every other life dies inside a sink batch instead: as soon as its transaction is visible, so (most often)
            // before the accounts absorbed its credits, or while they do.
            var killInBatch = killPoints.Next(2) == 0;
            await using var child = CrashChild.Start(connectionString, $"host-{life}", Accounts);
            Assert.Equal("ready", await child.ReadLineAsync(TimeSpan.FromSeconds(60)));
            var inFlight = new Dictionary<int, CrashCommand>();
            var acknowledged = 0;
            while (queue.Count > 0 || inFlight.Count > 0)
            {
                // A sink batch travels alone, as from a watcher: the next batch's range starts where this one ends.
                while (inFlight.Count < Window && queue.First is { Value: var next }
                       && !inFlight.Values.Any(c => c.Kind == "batch") && (next.Kind != "batch" || inFlight.Count == 0))
                {
                    queue.RemoveFirst();
                    await child.SendAsync(next.ToJson());
                    inFlight.Add(next.Seq, next);
                }

                if (kill && killInBatch && acknowledged >= killAfter && inFlight.Values.SingleOrDefault(c => c.Kind == "batch") is { } batch)
                {
                    await Wait.UntilAsync(async () => child.HasOutput || (await new CursorStore(database).GetAsync(TestRisk.Chain))?.Position >= (long)batch.Height,
                        TimeSpan.FromSeconds(60), $"batch {batch.Seq} to commit or the host to answer", pollEvery: TimeSpan.FromMilliseconds(1));
                    await child.KillAsync();
                    kills++;
                    break;
                }

                var line = await child.ReadLineAsync(TimeSpan.FromSeconds(120));
                if (line.StartsWith("ack ", StringComparison.Ordinal))
                {
                    var ack = JsonSerializer.Deserialize<CrashAck>(line[4..])!;
                    acks[ack.Seq] = ack;
                    inFlight.Remove(ack.Seq);
                    acknowledged++;
                }
                else if (line.StartsWith("err ", StringComparison.Ordinal))
                {
                    var seq = int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                    if (line.Contains(" HostNotActiveException: ", StringComparison.Ordinal) || line.Contains(" FencedWriteException: ", StringComparison.Ordinal))
                    {
                        // The host lost its lease for a moment (a stall on a busy machine): nothing of it was written; send again.
                        queue.AddFirst(inFlight[seq]);
                        refusedWhileDeposed++;
                    }
                    else
                    {
                        errors.Add(line);
                    }

                    inFlight.Remove(seq);
                }

                if (kill && !killInBatch && acknowledged >= killAfter)
                {
                    await child.KillAsync();
                    kills++;
                    break;
                }
            }

            if (kill)
            {
                var books = await AccountBooks.ReadAllAsync(database);
                foreach (var (account, book) in books)
                {
                    book.AssertLedgerIsStatePlusInbox($"after SIGKILL {kills}, account {account}");
                }

                killedBeforeAbsorption += books.Values.Any(b => b.Inbox.Count > 0) ? 1 : 0;
            }

            if (!kill)
            {
                Assert.Equal(0, await child.FinishAsync(TimeSpan.FromSeconds(60)));
            }
        }

        Assert.Empty(errors);
        Assert.True(kills >= 5, $"only {kills} kills");
        var replayed = acks.Values.Count(a => a.Replayed);
        output.WriteLine($"{commands.Count} commands, {kills} SIGKILLs ({killedBeforeAbsorption} left batch credits committed and not yet absorbed), {refusedWhileDeposed} refused by a host without the lease and resent; {replayed} answered as replays (applied before a kill, resent after); " +
            string.Join(", ", commands.GroupBy(c => c.Kind).Select(g => $"{g.Key}: {g.Count(c => acks[c.Seq].Accepted)}/{g.Count()} accepted")));
        await VerifyAsync(database, commands, acks);
    }

    private static async Task VerifyAsync(ClearingDatabase database, IReadOnlyList<CrashCommand> commands, IReadOnlyDictionary<int, CrashAck> acks)
    {
        var expectedUnits = new Dictionary<string, BigInteger>();
        var expectedSize = new Dictionary<string, Fixed>();
        var expectedDecisions = new List<string>();
        var keys = 0;
        foreach (var command in commands)
        {
            var ack = acks[command.Seq];
            switch (command.Kind)
            {
                case "deposit":
                    expectedUnits[command.Account] = expectedUnits.GetValueOrDefault(command.Account) + command.Units;
                    keys++;
                    break;
                case "batch":
                    foreach (var (account, _, units) in command.BatchDeposits(Accounts))
                    {
                        expectedUnits[account] = expectedUnits.GetValueOrDefault(account) + units;
                        keys++;
                    }

                    break;
                case "withdraw":
                    if (ack.Accepted)
                    {
                        expectedUnits[command.Account] = expectedUnits.GetValueOrDefault(command.Account) - command.Units;
                        expectedDecisions.Add(IdempotencyKeys.Withdrawal(command.Account, command.Id));
                    }

                    keys++;
                    break;
                case "trade":
                    if (ack.Accepted)
                    {
                        expectedSize[command.Account] = expectedSize.GetValueOrDefault(command.Account) + Fixed.Parse(command.Size!);
                    }

                    keys++;
                    break;
            }
        }

        // Every command consumed exactly one idempotency key (refusals included): none lost, none applied under two.
        Assert.Equal(keys, await CountAsync(database, "SELECT COUNT(*) FROM idempotency_key"));
        var outbox = await new OutboxStore(database).OpenAsync(TestRisk.Chain);
        Assert.Equal(expectedDecisions.Order(StringComparer.Ordinal), outbox.Select(a => a.DecisionId).Order(StringComparer.Ordinal));

        await using var host = await GrainTestHost.StartAsync(database, "verifier", new FakeClock(DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.True(host.Host.IsActive);
        for (var i = 0; i < Accounts; i++)
        {
            var snapshot = await host.Account($"a{i}").GetSnapshotAsync();
            Assert.Equal(expectedUnits.GetValueOrDefault($"a{i}"), (BigInteger)(snapshot.Balances.SingleOrDefault()?.Units ?? 0));
            Assert.Equal(expectedSize.GetValueOrDefault($"a{i}"), snapshot.Positions.SingleOrDefault()?.Size ?? Fixed.Zero);
            await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, snapshot);
        }

        // Every account absorbed what it was credited (the snapshots above asked each of them).
        Assert.Equal(0, await CountAsync(database, "SELECT COUNT(*) FROM account_inbox"));
    }

    private static List<CrashCommand> Generate(Random random, int count)
    {
        var commands = new List<CrashCommand>(count);
        ulong height = 0;
        for (var seq = 0; seq < count; seq++)
        {
            var account = $"a{random.Next(Accounts)}";
            var roll = random.Next(100);
            commands.Add(roll switch
            {
                < 35 => new CrashCommand(seq, "deposit", account, $"dep-{seq}", (long)TestRisk.Dollars(random.Next(50, 500))),
                < 45 => new CrashCommand(seq, "batch", account, $"bat-{seq}", (long)TestRisk.Dollars(random.Next(50, 500)), Height: ++height),
                < 70 => new CrashCommand(seq, "withdraw", account, $"w-{seq}", (long)TestRisk.Dollars(random.Next(10, 400))),
                _ => new CrashCommand(seq, "trade", account, $"t-{seq}", 0, Size: $"{(random.Next(2) == 0 ? "-" : "")}0.{random.Next(1, 6)}"),
            });
        }

        return commands;
    }

    private static Task<long> CountAsync(ClearingDatabase database, string sql) => database.ReadAsync(async connection =>
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    });
}
