using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Clearing.Grains.Tests.Crash;

/// <summary>The crash host as a child process: commands in on stdin, lines out on stdout, SIGKILL on demand.</summary>
public sealed class CrashChild : IAsyncDisposable
{
    private readonly Process process;
    private readonly Channel<string> lines = Channel.CreateUnbounded<string>();
    private readonly StringBuilder recent = new();

    private CrashChild(Process process) => this.process = process;

    public static CrashChild Start(string connectionString, string hostId, int accounts)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { typeof(CrashHostProgram).Assembly.Location, "crash-host", connectionString, hostId, accounts.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(argument);
        }

        var child = new CrashChild(new Process { StartInfo = info });
        child.process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        child.process.ErrorDataReceived += (_, e) => child.OnLine(e.Data is null ? null : "stderr: " + e.Data);
        child.process.Start();
        child.process.BeginOutputReadLine();
        child.process.BeginErrorReadLine();
        return child;
    }

    public string RecentOutput
    {
        get
        {
            lock (recent)
            {
                return recent.ToString();
            }
        }
    }

    /// <summary>Whether a stdout line is waiting to be read.</summary>
    public bool HasOutput => lines.Reader.TryPeek(out _);

    public async Task SendAsync(string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
    }

    /// <summary>The next stdout line, or a failure naming what the child said if none comes within <paramref name="deadline"/>.</summary>
    public async Task<string> ReadLineAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            return await lines.Reader.ReadAsync(timeout.Token);
        }
        catch (Exception error) when (error is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"The crash host said nothing for {deadline.TotalSeconds:0} s (exited: {process.HasExited}). Its output:\n{RecentOutput}");
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, the lease is not released, in-flight commits are cut wherever they are.</summary>
    public async Task KillAsync()
    {
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>Closes stdin: the host finishes what it has, stops gracefully (releasing the lease) and exits.</summary>
    public async Task<int> FinishAsync(TimeSpan deadline)
    {
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(deadline);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (recent)
        {
            recent.AppendLine(line);
            if (recent.Length > 16_000)
            {
                recent.Remove(0, recent.Length - 16_000);
            }
        }

        if (!line.StartsWith("stderr: ", StringComparison.Ordinal))
        {
            lines.Writer.TryWrite(line);
        }
    }
}
