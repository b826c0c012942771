using System.Diagnostics;

namespace Clearing.TestKit;

/// <summary>Waiting on a condition with a deadline: the alternative to sleep-and-hope.</summary>
public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it returns true, or throws a TimeoutException naming what was awaited.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what, TimeSpan? pollEvery = null)
    {
        var poll = pollEvery ?? TimeSpan.FromMilliseconds(50);
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < deadline)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The component is not up yet (connection refused and the like): keep polling until the deadline.
                last = ex;
            }

            await Task.Delay(poll).ConfigureAwait(false);
        }

        throw new TimeoutException($"Waited {deadline.TotalSeconds:0} s for {what}" + (last is null ? "." : $"; last error: {last.Message}"));
    }
}
