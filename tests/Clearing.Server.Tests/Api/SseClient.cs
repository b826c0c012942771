using System.Text;

namespace Clearing.Server.Tests.Api;

/// <summary>One server-sent event as received: its id, event name and data, or a comment line (<see cref="Comment"/>).</summary>
public sealed record SseFrame(string? Id, string? Event, string? Data, string? Comment);

/// <summary>Reads server-sent events frame by frame from an open text/event-stream response.</summary>
public sealed class SseClient(HttpResponseMessage response) : IAsyncDisposable
{
    private StreamReader? reader;

    public HttpResponseMessage Response { get; } = response;

    /// <summary>Frames until <paramref name="until"/> holds for one (returned last), or the deadline passes (throws).</summary>
    public async Task<List<SseFrame>> ReadUntilAsync(Func<SseFrame, bool> until, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var frames = new List<SseFrame>();
        try
        {
            while (true)
            {
                var frame = await NextAsync(timeout.Token) ?? throw new InvalidOperationException($"The stream ended before the condition held; got: {string.Join(" | ", frames)}");
                frames.Add(frame);
                if (until(frame))
                {
                    return frames;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"No matching event within {deadline}; got: {string.Join(" | ", frames)}");
        }
    }

    /// <summary>The next frame (an event or a comment), or null at the end of the stream.</summary>
    public async Task<SseFrame?> NextAsync(CancellationToken cancellation)
    {
        reader ??= new StreamReader(await Response.Content.ReadAsStreamAsync(cancellation), Encoding.UTF8);
        string? id = null, name = null, comment = null;
        var data = new StringBuilder();
        var any = false;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellation);
            if (line is null)
            {
                return any ? new SseFrame(id, name, data.Length > 0 ? data.ToString() : null, comment) : null;
            }

            if (line.Length == 0)
            {
                if (any)
                {
                    return new SseFrame(id, name, data.Length > 0 ? data.ToString() : null, comment);
                }

                continue;
            }

            any = true;
            if (line.StartsWith(':'))
            {
                comment = line[1..].Trim();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line[6..]);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        reader?.Dispose();
        Response.Dispose();
        await Task.CompletedTask;
    }
}
