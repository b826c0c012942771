using System.Diagnostics;
using System.Text;

namespace Clearing.TestKit;

/// <summary>
/// A long-running child process (a chain node, a devnet server) whose output is kept for error messages,
/// and which is killed with its whole tree when disposed or when the test host exits.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptOutputChars = 16_000;
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly List<Action<string>> lineWatchers = [];

    private ChildProcess(Process process)
    {
        this.process = process;
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public string Name { get; private init; } = "";

    /// <summary>The last lines the process printed on stdout and stderr, for failure messages.</summary>
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

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process) { Name = Path.GetFileName(fileName) };
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => child.KillQuietly();
        return child;
    }

    /// <summary>Waits until the process prints a line matching <paramref name="match"/>; returns that line.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan deadline, string what)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (output)
        {
            foreach (var line in output.ToString().Split('\n'))
            {
                if (match(line))
                {
                    return line;
                }
            }

            lineWatchers.Add(line =>
            {
                if (match(line))
                {
                    found.TrySetResult(line);
                }
            });
        }

        var exited = process.WaitForExitAsync();
        var timeout = Task.Delay(deadline);
        var first = await Task.WhenAny(found.Task, exited, timeout).ConfigureAwait(false);
        if (first == found.Task)
        {
            return await found.Task.ConfigureAwait(false);
        }

        var why = first == exited ? $"{Name} exited with code {process.ExitCode}" : $"{Name} did not say so within {deadline.TotalSeconds:0} s";
        throw new InvalidOperationException($"Waiting for {what}: {why}. Its output:\n{RecentOutput}");
    }

    public async ValueTask DisposeAsync()
    {
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

            foreach (var watcher in lineWatchers)
            {
                watcher(line);
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
            // Already gone: nothing to clean up.
        }
    }
}
