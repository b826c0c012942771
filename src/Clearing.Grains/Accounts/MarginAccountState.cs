using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Grains.Accounts;

namespace Clearing.Grains.Accounts;

/// <summary>
/// The persisted state of a margin account (JSON; amounts exact: Int128 integers, Fixed as decimal text). Its cross
/// pool is a <see cref="SubAccount"/> of the Domain; reservations and pending deposits are kept beside it.
/// </summary>
public sealed record MarginAccountState
{
    /// <summary>Available balances per (chain, asset), base units; reservations are already taken out.</summary>
    public IReadOnlyList<BalanceView> Balances { get; init; } = [];

    public IReadOnlyList<PositionView> Positions { get; init; } = [];

    public IReadOnlyList<ReservationView> Reservations { get; init; } = [];

    public IReadOnlyList<PendingDepositView> Pending { get; init; } = [];

    /// <summary>The cross pool as the Domain sees it (pending deposits included: visible, worth zero).</summary>
    public SubAccount ToCrossPool(string accountId) => new(
        accountId,
        [.. Balances.Select(b => new Balance(new AssetKey(new ChainId(b.Chain), b.Asset), b.Units))],
        [.. Positions.Select(p => new PerpPosition(p.Market, p.Size, p.EntryPrice, p.LastFundingIndex))],
        [.. Pending.Select(p => new PendingDeposit(new AssetKey(new ChainId(p.Key.Chain), p.Asset), p.Units, p.Key.TransactionId))]);

    /// <summary>This state with the balances and positions of <paramref name="cross"/> (in a stable order).</summary>
    public MarginAccountState WithCrossPool(SubAccount cross) => this with
    {
        Balances = [.. cross.Balances
            .Select(b => new BalanceView(b.Key.Chain.Name, b.Key.Asset, b.Units))
            .OrderBy(b => b.Chain, StringComparer.Ordinal).ThenBy(b => b.Asset, StringComparer.Ordinal)],
        Positions = [.. cross.Positions
            .Select(p => new PositionView(p.Market, p.Size, p.EntryPrice, p.LastFundingIndex))
            .OrderBy(p => p.Market, StringComparer.Ordinal)],
    };
}
