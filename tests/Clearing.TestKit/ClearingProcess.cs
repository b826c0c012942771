using System.Diagnostics;

namespace Clearing.TestKit;

/// <summary>
/// Runs the built <c>clearing</c> command as a child process, the way an operator runs it. The calling test project must
/// reference Clearing.Server, so that clearing.dll is copied next to the test assembly.
/// </summary>
public static class ClearingProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Runs clearing with the given arguments; 60 s at most.</summary>
    public static Task<Result> RunAsync(params string[] arguments) => RunAsync(TimeSpan.FromSeconds(60), null, arguments);

    /// <summary>Runs clearing in <paramref name="workingDirectory"/> (the test's folder when null); past
    /// <paramref name="deadline"/> the process tree is killed and a <see cref="TimeoutException"/> carries its output.</summary>
    public static async Task<Result> RunAsync(TimeSpan deadline, string? workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clearing.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(deadline);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"clearing {string.Join(' ', arguments)} did not finish within {deadline.TotalSeconds:0} s. Its output:\n{await stdout}\n{await stderr}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
