using System.Diagnostics;
using System.Text;

namespace Clearing.Server.Demo;

/// <summary>
/// A local chain node the demo runs as a child process (anvil, the Solana devnet server): its recent output is kept for
/// error messages, and it is killed with its whole tree when disposed or when this process exits, so Ctrl-C never
/// leaves a node behind.
/// </summary>
public sealed class DemoProcess : IAsyncDisposable
{
    private const int KeptOutputChars = 8_000;
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> watchers = [];
    private readonly EventHandler killOnExit;

    private DemoProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
        killOnExit = (_, _) => KillQuietly();
    }

    public string Name { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>The last lines the process printed (stdout and stderr).</summary>
    public string RecentOutput
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static DemoProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, string? name = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new DemoProcess(process, name ?? Path.GetFileName(fileName));
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += child.killOnExit;
        return child;
    }

    /// <summary>Waits until the process prints a line matching <paramref name="match"/> and returns it; throws with its output if it exits or the deadline passes first.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (output)
        {
            var seen = output.ToString().Split('\n').FirstOrDefault(match);
            if (seen is not null)
            {
                return seen;
            }

            watchers.Add((match, found));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        var exited = process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(found.Task, exited).ConfigureAwait(false);
        if (first == found.Task)
        {
            return await found.Task.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var why = process.HasExited ? $"it exited with code {process.ExitCode}" : $"it printed no such line within {deadline.TotalSeconds:0} s";
        throw new InvalidOperationException($"{Name}: {why}. Its output:\n{RecentOutput}");
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= killOnExit;
        KillQuietly();
        await process.WaitForExitAsync().ConfigureAwait(false);
        process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
            if (output.Length > KeptOutputChars)
            {
                output.Remove(0, output.Length - KeptOutputChars);
            }

            foreach (var (match, found) in watchers)
            {
                if (match(line))
                {
                    found.TrySetResult(line);
                }
            }
        }
    }

    private void KillQuietly()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
