using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>
/// Exponentially weighted variance of simple returns (RiskMetrics): σ²ₜ = λ·σ²ₜ₋₁ + (1−λ)·rₜ², with
/// rₜ = (pₜ − pₜ₋₁)/pₜ₋₁ per sampling period. Every step rounds up (a larger variance is a larger margin,
/// against the account).
/// </summary>
public static class Ewma
{
    public static Fixed NextVariance(Fixed variance, Fixed previousPrice, Fixed price, Fixed lambda)
    {
        if (!previousPrice.IsPositive || !price.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(price), "Prices must be positive.");
        }

        if (lambda.IsNegative || lambda > Fixed.One)
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), "λ must be within [0, 1].");
        }

        Fixed move = (price - previousPrice).Abs();
        Fixed ret = move.DivRoundUp(previousPrice);
        Fixed squared = ret.MulRoundUp(ret);
        return lambda.MulRoundUp(variance) + (Fixed.One - lambda).MulRoundUp(squared);
    }

    /// <summary>Folds a price series (oldest first) into the variance, starting from <paramref name="initialVariance"/>.</summary>
    public static Fixed Variance(ReadOnlySpan<Fixed> prices, Fixed lambda, Fixed initialVariance)
    {
        Fixed variance = initialVariance;
        for (int i = 1; i < prices.Length; i++)
        {
            variance = NextVariance(variance, prices[i - 1], prices[i], lambda);
        }

        return variance;
    }
}

/// <summary>
/// The volatility add-on of a market: initial ratio = max(base, k · σ · √horizon) with σ the EWMA standard
/// deviation per period and the horizon in periods (the liquidation horizon); maintenance ratio = max(base,
/// <see cref="MaintenanceFraction"/> × volatility initial ratio).
/// </summary>
public sealed record VolatilityAddOn(Fixed K, Fixed HorizonPeriods, Fixed MaintenanceFraction)
{
    /// <summary>k · √(σ² · horizon), rounded up.</summary>
    public Fixed InitialRatio(Fixed variance) =>
        K.MulRoundUp(variance.MulRoundUp(HorizonPeriods).Sqrt(Rounding.Up));

    public Fixed MaintenanceRatio(Fixed variance) => InitialRatio(variance).MulRoundUp(MaintenanceFraction);
}
