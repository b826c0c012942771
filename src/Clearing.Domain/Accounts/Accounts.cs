using System.Collections.Immutable;
using Clearing.Domain.Assets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Accounts;

/// <summary>A balance of one asset on one chain, in base units (negative only for an asset the ledger lets go negative).</summary>
public readonly record struct Balance(AssetKey Key, Int128 Units);

/// <summary>A perp position: signed size in base-asset units (positive long), entry price (USD) and the
/// cumulative funding index at which funding was last settled.</summary>
public readonly record struct PerpPosition(string Market, Fixed Size, Fixed EntryPrice, Fixed LastFundingIndex);

/// <summary>A deposit seen on chain but not yet final: visible to the user, worth zero in every health.</summary>
public readonly record struct PendingDeposit(AssetKey Key, Int128 Units, string TxId);

/// <summary>
/// One margin pool: the cross pool of an account, or one isolated sub-account. Health, limits and
/// liquidation apply to a pool as a whole; an isolated pool is never netted with the cross pool.
/// Immutable: every change returns a copy.
/// </summary>
public sealed record SubAccount(string Id, ImmutableArray<Balance> Balances, ImmutableArray<PerpPosition> Positions, ImmutableArray<PendingDeposit> PendingDeposits)
{
    public SubAccount(string id)
        : this(id, [], [], [])
    {
    }

    public Int128 BalanceOf(AssetKey key)
    {
        foreach (Balance b in Balances)
        {
            if (b.Key == key)
            {
                return b.Units;
            }
        }

        return 0;
    }

    public PerpPosition? PositionIn(string market)
    {
        foreach (PerpPosition p in Positions)
        {
            if (p.Market == market)
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>Copy with the balance of <paramref name="key"/> set (a zero balance is removed).</summary>
    public SubAccount WithBalance(AssetKey key, Int128 units)
    {
        ImmutableArray<Balance> others = Balances.RemoveAll(b => b.Key == key);
        return this with { Balances = units == 0 ? others : others.Add(new Balance(key, units)) };
    }

    /// <summary>Copy with <paramref name="delta"/> added to the balance of <paramref name="key"/>.</summary>
    public SubAccount AddToBalance(AssetKey key, Int128 delta) => WithBalance(key, checked(BalanceOf(key) + delta));

    /// <summary>Copy with the position in <paramref name="position"/>'s market replaced (a zero size removes it).</summary>
    public SubAccount WithPosition(PerpPosition position)
    {
        ImmutableArray<PerpPosition> others = Positions.RemoveAll(p => p.Market == position.Market);
        return this with { Positions = position.Size.IsZero ? others : others.Add(position) };
    }
}

/// <summary>A margin account: its cross pool and its isolated sub-accounts.</summary>
public sealed record MarginAccount(string Id, SubAccount Cross, ImmutableArray<SubAccount> Isolated)
{
    public MarginAccount(string id)
        : this(id, new SubAccount(id), [])
    {
    }
}
