using Clearing.Domain.Numerics;

namespace Clearing.Grains.Risk;

/// <summary>
/// The risk book's scan and margin-call settings (optional in the host's services; these defaults otherwise).
/// </summary>
public sealed record NettingOptions
{
    /// <summary>How often the netting grain reads prices and proposes liquidations (its timer; the host's clock).</summary>
    public TimeSpan ScanPeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A pool whose maintenance health ratio (Mango's: maintenance health × 100 / maintenance liabilities, percent) is
    /// below this, and not liquidatable yet, gets one <c>margin.call</c> event; another only after it recovered above.
    /// Default 10 %.
    /// </summary>
    public Fixed MarginCallRatioPercent { get; init; } = Fixed.FromInt(10);

    public static NettingOptions Default { get; } = new();
}
