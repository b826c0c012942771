using System.Diagnostics;

namespace Clearing.TestKit;

/// <summary>
/// Runs the built <c>clearing</c> command as a child process, the way an operator runs it. The calling test project must
/// reference Clearing.Server, so that clearing.dll is copied next to the test assembly.
/// </summary>
public static class ClearingProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static async Task<Result> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clearing.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
