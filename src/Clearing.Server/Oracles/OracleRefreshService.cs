using Clearing.Oracles.Aggregation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.Server.Oracles;

/// <summary>
/// Refreshes every oracle-priced asset every <see cref="OraclePriceBook.RefreshInterval"/> and logs each change of an
/// asset's status (live → frozen is a warning an operator must see; sources themselves never throw, see Clearing.Oracles).
/// </summary>
public sealed partial class OracleRefreshService(OraclePriceBook book, TimeProvider clock, ILogger<OracleRefreshService> logger) : BackgroundService
{
    private readonly Dictionary<string, AssetPriceStatus> lastStatus = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await book.RefreshAllAsync(stoppingToken);
                ReportChanges();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Sources report their own failures as readings; this is anything else. The last prices stay published.
                LogRefreshFailed(logger, e.Message);
            }

            try
            {
                await Task.Delay(book.RefreshInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void ReportChanges()
    {
        foreach (var (asset, price) in book.Latest)
        {
            if (price is null || (lastStatus.TryGetValue(asset, out var before) && before == price.Status))
            {
                continue;
            }

            lastStatus[asset] = price.Status;
            if (price.Status == AssetPriceStatus.Live)
            {
                LogLive(logger, asset, price.Quote?.Price.ToString() ?? "");
            }
            else
            {
                LogNotLive(logger, asset, price.Status, price.Reason ?? "");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Oracle refresh failed, the last prices stay: {Error}")]
    private static partial void LogRefreshFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Oracle {Asset}: live at {Price} USD")]
    private static partial void LogLive(ILogger logger, string asset, string price);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Oracle {Asset}: {Status}, no liquidation on it until it is live again: {Reason}")]
    private static partial void LogNotLive(ILogger logger, string asset, AssetPriceStatus status, string reason);
}
