using System.Text.Json;

namespace Clearing.Server.Demo;

/// <summary>
/// The member's server-sent event stream (<c>GET /v1/events</c>) read in the background, the way a member's integration
/// follows it: when the connection drops (the service restarted) it reconnects with <c>Last-Event-ID</c>, and the
/// service answers with a gap notice and everything it holds. Remembers which (account, kind) pairs it has seen.
/// </summary>
public sealed class DemoEventStream(MemberApiClient member) : IAsyncDisposable
{
    private readonly HashSet<(string Account, string Kind)> seen = [];
    private CancellationTokenSource? stop;
    private Task? reading;
    private string? lastEventId;
    private int gaps;
    private int malformed;

    public void Start(CancellationToken cancellationToken)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reading = Task.Run(() => ReadAsync(stop.Token), CancellationToken.None);
    }

    /// <summary>Gap notices received: the service restarted (or the ring moved past this client) and said that events
    /// published before may not be delivered.</summary>
    public int Gaps
    {
        get
        {
            lock (seen)
            {
                return gaps;
            }
        }
    }

    public bool Seen(string account, string kind)
    {
        lock (seen)
        {
            return seen.Contains((account, kind));
        }
    }

    /// <summary>Whether any event whose kind starts with <paramref name="kindPrefix"/> was seen for <paramref name="account"/>.</summary>
    public bool SeenAny(string account, string kindPrefix)
    {
        lock (seen)
        {
            return seen.Any(s => s.Account == account && s.Kind.StartsWith(kindPrefix, StringComparison.Ordinal));
        }
    }

    /// <summary>What the stream carried so far, per account: "bob: deposit.credited, liquidation.planned; …".</summary>
    public string Describe()
    {
        lock (seen)
        {
            var perAccount = seen.GroupBy(s => s.Account).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{g.Key}: {string.Join(", ", g.Select(s => s.Kind).Order(StringComparer.Ordinal))}");
            return $"events seen — {string.Join("; ", perAccount)}" + (gaps > 0 ? $" ({gaps} gap notice(s) after reconnecting)" : "")
                + (malformed > 0 ? $" ({malformed} event(s) with unreadable data)" : "");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (stop is null)
        {
            return;
        }

        await stop.CancelAsync();
        try
        {
            await reading!;
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }

        stop.Dispose();
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var response = await member.OpenStreamAsync("/v1/events", lastEventId, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                    await ReadEventsAsync(reader, cancellationToken);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // The service is down or restarting: reconnect below.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>Reads events (lines "id:", "event:", "data:", ended by a blank line) until the stream ends.</summary>
    private async Task ReadEventsAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        string? id = null, kind = null, data = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                Dispatch(id, kind, data);
                id = kind = data = null;
            }
            else if (line.StartsWith("id:", StringComparison.Ordinal))
            {
                id = line[3..].Trim();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                kind = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data = line[5..].Trim();
            }
        }
    }

    private void Dispatch(string? id, string? kind, string? data)
    {
        if (id is not null)
        {
            lastEventId = id;
        }

        if (kind is null || data is null)
        {
            return;
        }

        lock (seen)
        {
            if (kind == "gap")
            {
                gaps++;
                return;
            }

            try
            {
                using var json = JsonDocument.Parse(data);
                if (json.RootElement.TryGetProperty("account", out var account) && account.GetString() is { } accountId)
                {
                    seen.Add((accountId, kind));
                }
            }
            catch (JsonException)
            {
                // Not an event this reader understands: it counts as not seen, and the step that needs it says so.
                malformed++;
            }
        }
    }
}
