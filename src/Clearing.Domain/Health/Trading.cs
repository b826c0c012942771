using Clearing.Domain.Accounts;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Health;

/// <summary>Pure state changes of a pool by fills and funding; money moves into the settlement balance.</summary>
public static class Trading
{
    /// <summary>
    /// Applies a fill: settles the position's funding first, then realizes PnL on the part that closes
    /// (into the settlement balance, rounded down — against the account) and re-averages the entry on the
    /// part that opens (a long's entry rounds up, a short's down — both against the account).
    /// </summary>
    public static SubAccount ApplyFill(SubAccount account, RiskContext context, string market, Fixed sizeDelta, Fixed price)
    {
        PerpMarketState state = context.MarketStateFor(market);
        SubAccount result = SettleFunding(account, context, market);
        PerpPosition position = result.PositionIn(market) ?? new PerpPosition(market, Fixed.Zero, Fixed.Zero, state.CumulativeFundingIndex);
        if (sizeDelta.IsZero)
        {
            return result;
        }

        Fixed size = position.Size;
        Fixed newSize = size + sizeDelta;
        Fixed entry = position.EntryPrice;
        bool sameDirection = size.IsZero || size.Sign == sizeDelta.Sign;
        if (sameDirection)
        {
            Rounding against = newSize.IsPositive ? Rounding.Up : Rounding.Down;
            Fixed cost = size.Abs().Mul(entry, against) + sizeDelta.Abs().Mul(price, against);
            entry = cost.Div(newSize.Abs(), against);
        }
        else
        {
            Fixed closed = Fixed.Min(size.Abs(), sizeDelta.Abs());
            Fixed closedSigned = size.IsPositive ? closed : -closed;
            result = RealizeUsd(result, context, closedSigned.MulRoundDown(price - entry));
            if (newSize.IsZero)
            {
                entry = Fixed.Zero;
            }
            else if (newSize.Sign != size.Sign)
            {
                entry = price;
            }
        }

        return result.WithPosition(new PerpPosition(market, newSize, entry, state.CumulativeFundingIndex));
    }

    /// <summary>Moves the funding a position owes since its last settlement into the settlement balance.</summary>
    public static SubAccount SettleFunding(SubAccount account, RiskContext context, string market)
    {
        if (account.PositionIn(market) is not { } position)
        {
            return account;
        }

        Fixed index = context.MarketStateFor(market).CumulativeFundingIndex;
        Fixed owed = Funding.Owed(position.Size, index, position.LastFundingIndex);
        SubAccount settled = RealizeUsd(account, context, -owed);
        return settled.WithPosition(position with { LastFundingIndex = index });
    }

    /// <summary>Adds a USD amount to the settlement balance, converted 1:1 into its base units rounded down.</summary>
    public static SubAccount RealizeUsd(SubAccount account, RiskContext context, Fixed usd)
    {
        if (usd.IsZero)
        {
            return account;
        }

        int decimals = context.CollateralFor(context.Settlement).Decimals;
        return account.AddToBalance(context.Settlement, usd.ToScaled(decimals, Rounding.Down));
    }
}
