using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.RiskBook;

/// <summary>
/// The risk book: every margin pool's exposures (the cross pool of an account or one isolated sub-account) in a
/// struct-of-arrays layout, with the health of each pool kept current: the structure the netting grain owns.
/// <para>
/// Layout: pool p's balances live in rows [p × balanceStride, p × balanceStride + count) of flat arrays
/// (collateral slot, base units, their split by the slot's table), its positions likewise (market, size, entry, funding
/// index, the kernels' prepared rows); a slot is one
/// (chain, asset) of the <see cref="RiskContext"/>, a market one perp market. Each slot and each market keeps
/// the list of pools exposed to it, so a price tick re-evaluates exactly those pools; prices, weights and
/// haircuts are resolved once per slot and market, not per pool.
/// </para>
/// <para>
/// The results are those of <see cref="CollateralParams.Contributions"/> and <see cref="PerpMargin.Contributions"/>,
/// the functions the per-account health (<see cref="HealthCalculator"/>) uses, summed per health type, bit for bit;
/// the common path gets them through kernels prepared per tick and per row (<see cref="BalanceTable"/>,
/// <see cref="LotKernel"/>, <see cref="PositionKernel"/>; src/Clearing.Domain/README.md, "Risk book"). No
/// price-dependent result is kept per row: every evaluation sums every row of the pool. Evaluating a pool allocates
/// nothing (a volatility add-on's square root would fall back to <see cref="System.Numerics.BigInteger"/> only
/// for a variance × horizon of 340 or more). Pending deposits are worth zero in every health and are not held here. Not thread-safe: one
/// owner (the netting grain) calls it, one turn at a time.
/// </para>
/// </summary>
public sealed class ExposureBook
{
    private readonly int _balanceStride;
    private readonly int _positionStride;

    private RiskContext _context;

    // Collateral slots: one per (chain, asset) of the context.
    private readonly Dictionary<AssetKey, int> _slotOf = [];
    private readonly Dictionary<string, List<int>> _slotsOfAsset = new(StringComparer.Ordinal);
    private readonly Dictionary<ChainId, List<int>> _slotsOfChain = [];
    private readonly AssetKey[] _slotKey;
    private readonly CollateralParams[] _slotParams;
    private readonly AdjustedPrice[] _slotPrice;
    private readonly Fixed[] _slotHaircut;
    private readonly SlotFactors[] _slotFactors;
    private readonly BalanceTable[] _assetTables;
    private readonly BalanceTable[] _debtTables;
    private readonly PoolList[] _slotPools;

    // Perp markets.
    private readonly Dictionary<string, int> _marketOf = new(StringComparer.Ordinal);
    private readonly string[] _marketSymbol;
    private readonly PerpMarket[] _market;
    private readonly PerpMarketState[] _marketState;
    private readonly AdjustedPrice[] _marketMark;
    private readonly MarketFactors[] _marketFactors;
    private readonly PoolList[] _marketPools;

    // Pools.
    private readonly Dictionary<string, int> _poolOf = new(StringComparer.Ordinal);
    private readonly Stack<int> _freePools = new();
    private string?[] _poolKey = [];
    private int _poolCount;

    // Balances, rows p × _balanceStride + i.
    private byte[] _balanceCount = [];
    private int[] _balanceSlot = [];
    private Int128[] _balanceUnits = [];
    private BalanceSplit[] _balanceSplit = [];
    private int[] _balanceListIndex = [];

    // Positions, rows p × _positionStride + i.
    private byte[] _positionCount = [];
    private int[] _positionMarket = [];
    private Fixed[] _positionSize = [];
    private Fixed[] _positionEntry = [];
    private Fixed[] _positionFundingIndex = [];
    private PositionRow[] _positionRow = [];
    private LotRow[] _positionLot = [];
    private int[] _positionListIndex = [];

    // Results.
    private Fixed[] _initHealth = [];
    private Fixed[] _liquidationEndHealth = [];
    private Fixed[] _maintHealth = [];
    private bool[] _liquidatable = [];
    private int _liquidatableCount;

    // Deduplication of a tick touching a pool through several slots: pool p is done when _stamp[p] == _generation.
    private int[] _stamp = [];
    private int _generation;

    /// <param name="context">Parameters, prices and time; every (chain, asset) and market a pool may hold must be in it.</param>
    /// <param name="maxBalancesPerPool">Row capacity per pool for balances (at most 255).</param>
    /// <param name="maxPositionsPerPool">Row capacity per pool for positions (at most 255).</param>
    /// <param name="expectedPools">Initial capacity (the arrays grow by doubling when exceeded).</param>
    public ExposureBook(RiskContext context, int maxBalancesPerPool = 8, int maxPositionsPerPool = 8, int expectedPools = 1024)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBalancesPerPool);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBalancesPerPool, byte.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPositionsPerPool);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPositionsPerPool, byte.MaxValue);
        _context = context;
        _balanceStride = maxBalancesPerPool;
        _positionStride = maxPositionsPerPool;

        var keys = context.Collateral.Keys.OrderBy(k => k.Chain.Name, StringComparer.Ordinal).ThenBy(k => k.Asset, StringComparer.Ordinal).ToArray();
        if (keys.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"{keys.Length} collateral slots; the book holds at most {ushort.MaxValue}.", nameof(context));
        }

        _slotKey = keys;
        _slotParams = new CollateralParams[keys.Length];
        _slotPrice = new AdjustedPrice[keys.Length];
        _slotHaircut = new Fixed[keys.Length];
        _slotFactors = new SlotFactors[keys.Length];
        _assetTables = new BalanceTable[keys.Length];
        _debtTables = new BalanceTable[keys.Length];
        _slotPools = new PoolList[keys.Length];
        for (var slot = 0; slot < keys.Length; slot++)
        {
            var key = keys[slot];
            _slotOf.Add(key, slot);
            _slotParams[slot] = context.CollateralFor(key);
            _assetTables[slot] = new BalanceTable();
            _debtTables[slot] = new BalanceTable();
            _slotPools[slot] = new PoolList();
            ListFor(_slotsOfAsset, key.Asset).Add(slot);
            ListFor(_slotsOfChain, key.Chain).Add(slot);
        }

        var symbols = context.Markets.Keys.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        _marketSymbol = symbols;
        _market = new PerpMarket[symbols.Length];
        _marketState = new PerpMarketState[symbols.Length];
        _marketMark = new AdjustedPrice[symbols.Length];
        _marketFactors = new MarketFactors[symbols.Length];
        _marketPools = new PoolList[symbols.Length];
        for (var market = 0; market < symbols.Length; market++)
        {
            _marketOf.Add(symbols[market], market);
            _market[market] = context.MarketFor(symbols[market]);
            _marketPools[market] = new PoolList();
        }

        ResolveAllPrices();
        Grow(Math.Max(expectedPools, 16));
    }

    /// <summary>The context the current healths were computed with.</summary>
    public RiskContext Context => _context;

    /// <summary>Number of pools held.</summary>
    public int PoolCount => _poolOf.Count;

    /// <summary>Number of pools whose maintenance health is below zero.</summary>
    public int LiquidatableCount => _liquidatableCount;

    /// <summary>Adds or replaces the exposures of a pool and evaluates it. Throws for a (chain, asset) or market
    /// the context does not know, or for more balances or positions than the book's row capacity.</summary>
    public void Upsert(string poolKey, SubAccount pool)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolKey);
        ArgumentNullException.ThrowIfNull(pool);
        ValidateFits(poolKey, pool);
        if (!_poolOf.TryGetValue(poolKey, out var p))
        {
            p = _freePools.Count > 0 ? _freePools.Pop() : _poolCount++;
            if (p >= _poolKey.Length)
            {
                Grow(_poolKey.Length * 2);
            }

            _poolOf.Add(poolKey, p);
            _poolKey[p] = poolKey;
        }
        else
        {
            ClearRows(p);
        }

        var row = p * _balanceStride;
        foreach (var balance in pool.Balances)
        {
            if (balance.Units == 0)
            {
                continue;
            }

            var slot = _slotOf[balance.Key];
            _balanceSlot[row] = slot;
            _balanceUnits[row] = balance.Units;
            _balanceSplit[row] = Split(slot, balance.Units);
            _balanceListIndex[row] = _slotPools[slot].Add(p);
            row++;
        }

        _balanceCount[p] = (byte)(row - p * _balanceStride);

        row = p * _positionStride;
        foreach (var position in pool.Positions)
        {
            if (position.Size.IsZero)
            {
                continue;
            }

            var market = _marketOf[position.Market];
            _positionMarket[row] = market;
            _positionSize[row] = position.Size;
            _positionEntry[row] = position.EntryPrice;
            _positionFundingIndex[row] = position.LastFundingIndex;
            _positionRow[row] = new PositionRow(position.Size, position.EntryPrice, position.LastFundingIndex, _market[market]);
            _positionLot[row] = new LotRow(position.Size, position.EntryPrice, position.LastFundingIndex, in _positionRow[row]);
            _positionListIndex[row] = _marketPools[market].Add(p);
            row++;
        }

        _positionCount[p] = (byte)(row - p * _positionStride);
        Evaluate(p);
    }

    /// <summary>Upserts an account's cross pool under its id and each isolated sub-account under "id/subId".</summary>
    public void Upsert(MarginAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        Upsert(account.Id, account.Cross);
        foreach (var isolated in account.Isolated)
        {
            Upsert(IsolatedKey(account.Id, isolated.Id), isolated);
        }
    }

    /// <summary>The pool key of an isolated sub-account.</summary>
    public static string IsolatedKey(string accountId, string subAccountId) => $"{accountId}/{subAccountId}";

    /// <summary>Removes a pool; false if the book does not hold it.</summary>
    public bool Remove(string poolKey)
    {
        if (!_poolOf.Remove(poolKey, out var p))
        {
            return false;
        }

        ClearRows(p);
        SetResult(p, Fixed.Zero, Fixed.Zero, Fixed.Zero);
        _poolKey[p] = null;
        _freePools.Push(p);
        return true;
    }

    /// <summary>The healths of a pool, as last evaluated.</summary>
    public bool TryGetHealth(string poolKey, out PoolHealth health)
    {
        if (_poolOf.TryGetValue(poolKey, out var p))
        {
            health = new PoolHealth(_initHealth[p], _liquidationEndHealth[p], _maintHealth[p]);
            return true;
        }

        health = default;
        return false;
    }

    /// <summary>Keys of the pools whose maintenance health is below zero, ordinal order.</summary>
    public IReadOnlyList<string> LiquidatablePools()
    {
        var keys = new List<string>(_liquidatableCount);
        for (var p = 0; p < _poolCount; p++)
        {
            if (_liquidatable[p])
            {
                keys.Add(_poolKey[p]!);
            }
        }

        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    /// <summary>A new oracle price for an asset: re-evaluates only the pools holding that asset on any chain.
    /// Returns the number of pools re-evaluated.</summary>
    public int OnPrice(string asset, PriceQuote quote)
    {
        _context = _context with { Prices = _context.Prices.SetItem(asset, quote) };
        if (!_slotsOfAsset.TryGetValue(asset, out var slots))
        {
            return 0;
        }

        foreach (var slot in slots)
        {
            _slotPrice[slot] = _context.PriceFor(_slotKey[slot]);
            ResolveSlotFactors(slot);
        }

        return ReevaluateExposed(slots, _slotPools);
    }

    /// <summary>A new mark price, funding index or variance for a market: re-evaluates only the pools with a
    /// position in it. Returns the number of pools re-evaluated.</summary>
    public int OnMarketState(string market, PerpMarketState state)
    {
        var m = _marketOf[market];
        _context = _context with { MarketStates = _context.MarketStates.SetItem(market, state) };
        _marketState[m] = state;
        _marketMark[m] = _context.MarkFor(market);
        _marketFactors[m] = new MarketFactors(_market[m], in _marketState[m], in _marketMark[m]);
        return ReevaluateExposed([m], _marketPools);
    }

    /// <summary>A chain's asset-weight multiplier changed: re-evaluates only the pools holding balances on it.</summary>
    public int OnChainHaircut(ChainId chain, Fixed multiplier)
    {
        _context = _context with { ChainHaircuts = _context.ChainHaircuts.SetItem(chain, multiplier) };
        if (!_slotsOfChain.TryGetValue(chain, out var slots))
        {
            return 0;
        }

        foreach (var slot in slots)
        {
            _slotHaircut[slot] = multiplier;
            ResolveSlotFactors(slot);
        }

        return ReevaluateExposed(slots, _slotPools);
    }

    /// <summary>Time moved on: prices may have gone stale, so every price is re-resolved and every pool re-evaluated.</summary>
    public void AdvanceTime(long now)
    {
        _context = _context with { Now = now };
        ResolveAllPrices();
        RevalueAll();
    }

    /// <summary>Re-evaluates every pool from the current prices.</summary>
    /// <remarks>A removed pool's slot has no rows (Remove clears them), so evaluating it writes the zero healths
    /// Remove wrote: every slot below the count is evaluated, without a check per pool.</remarks>
    public void RevalueAll() => EvaluateRange(0, _poolCount);

    private int ReevaluateExposed(List<int> indexes, PoolList[] poolsByIndex)
    {
        _generation++;
        var evaluated = 0;
        foreach (var index in indexes)
        {
            var list = poolsByIndex[index];
            var pools = list.Pools;
            for (var i = 0; i < list.Count; i++)
            {
                var p = pools[i];
                if (_stamp[p] != _generation)
                {
                    _stamp[p] = _generation;
                    Evaluate(p);
                    evaluated++;
                }
            }
        }

        return evaluated;
    }

    /// <summary>Evaluates every row of pool <paramref name="p"/> and stores its healths.</summary>
    private void Evaluate(int p) => EvaluateRange(p, p + 1);

    /// <summary>
    /// The hot loop, over pools [<paramref name="start"/>, <paramref name="end"/>): every row through a kernel whose
    /// contributions are below 2^118 (balances through the slot's <see cref="BalanceTable"/>, else
    /// <see cref="BalanceKernel"/>; positions through <see cref="LotKernel"/>, else <see cref="PositionKernel"/>),
    /// summed without overflow checks (510 rows at most keep the sums below 2^127). A pool with a row outside every
    /// kernel's bounds starts over in <see cref="EvaluateChecked"/>.
    /// </summary>
    /// <remarks>The arrays are reached by references taken once per range, rows by offsets from them (no bounds
    /// checks; every index comes from Upsert, within the arrays by construction).</remarks>
    private void EvaluateRange(int start, int end)
    {
        ref BalanceTable assetTables = ref MemoryMarshal.GetArrayDataReference(_assetTables);
        ref BalanceTable debtTables = ref MemoryMarshal.GetArrayDataReference(_debtTables);
        ref byte balanceCounts = ref MemoryMarshal.GetArrayDataReference(_balanceCount);
        ref BalanceSplit splits = ref MemoryMarshal.GetArrayDataReference(_balanceSplit);
        ref MarketFactors markets = ref MemoryMarshal.GetArrayDataReference(_marketFactors);
        ref byte positionCounts = ref MemoryMarshal.GetArrayDataReference(_positionCount);
        ref int positionMarkets = ref MemoryMarshal.GetArrayDataReference(_positionMarket);
        ref LotRow lots = ref MemoryMarshal.GetArrayDataReference(_positionLot);
        ref Fixed initHealth = ref MemoryMarshal.GetArrayDataReference(_initHealth);
        ref Fixed liquidationEndHealth = ref MemoryMarshal.GetArrayDataReference(_liquidationEndHealth);
        ref Fixed maintHealth = ref MemoryMarshal.GetArrayDataReference(_maintHealth);
        for (var p = start; p < end; p++)
        {
            HealthSums sums = default;
            var bounded = true;
            var first = p * _balanceStride;
            var count = (int)Unsafe.Add(ref balanceCounts, p);
            for (var i = 0; i < count; i++)
            {
                ref BalanceSplit row = ref Unsafe.Add(ref splits, first + i);
                var table = Unsafe.Add(ref row.Debt ? ref debtTables : ref assetTables, row.Slot);
                if (row.Valid && table.Fits(row.Quotient))
                {
                    table.Add(row.Quotient, row.Remainder, row.Debt, ref sums);
                }
                else if (!TryAddByUnits(first + i, ref sums))
                {
                    bounded = false;
                    break;
                }
            }

            first = p * _positionStride;
            count = bounded ? Unsafe.Add(ref positionCounts, p) : 0;
            for (var i = 0; i < count; i++)
            {
                ref MarketFactors market = ref Unsafe.Add(ref markets, Unsafe.Add(ref positionMarkets, first + i));
                if (!LotKernel.TryAdd(in Unsafe.Add(ref lots, first + i), in market, ref sums) && !TryAddPosition(first + i, in market, ref sums))
                {
                    bounded = false;
                    break;
                }
            }

            if (bounded)
            {
                Unsafe.Add(ref initHealth, p) = Fixed.FromRaw(sums.InitHealth.Value);
                Unsafe.Add(ref liquidationEndHealth, p) = Fixed.FromRaw(sums.LiquidationEndHealth.Value);
                var maint = sums.MaintHealth;
                Unsafe.Add(ref maintHealth, p) = Fixed.FromRaw(maint.Value);
                SetLiquidatable(p, maint.IsNegative);
            }
            else
            {
                EvaluateChecked(p);
            }
        }
    }

    /// <summary>A position outside the lot kernel, through the split kernel; false when outside its bounds too.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryAddPosition(int row, in MarketFactors market, ref HealthSums sums) => PositionKernel.TryAdd(in _positionRow[row], in market, ref sums);

    /// <summary>A balance the tables do not value, through <see cref="BalanceKernel"/>; false when outside its bounds too.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryAddByUnits(int row, ref HealthSums sums) =>
        BalanceKernel.TryContributions(_balanceUnits[row], in _slotFactors[_balanceSlot[row]], out HealthTriple c) && sums.TryAdd(in c);

    /// <summary>A pool with a row outside the bounded kernels: each row through its kernel or the domain's function,
    /// summed with overflow checks (an overflow throws, as the per-account computation does).</summary>
    private void EvaluateChecked(int p)
    {
        Int128 init = 0, liquidationEnd = 0, maint = 0;
        var first = p * _balanceStride;
        for (var row = first; row < first + _balanceCount[p]; row++)
        {
            var slot = _balanceSlot[row];
            var c = BalanceKernel.Contributions(_balanceUnits[row], in _slotFactors[slot], _slotParams[slot], in _slotPrice[slot], _slotHaircut[slot]);
            init = checked(init + c.Init.Raw);
            liquidationEnd = checked(liquidationEnd + c.LiquidationEnd.Raw);
            maint = checked(maint + c.Maint.Raw);
        }

        first = p * _positionStride;
        for (var row = first; row < first + _positionCount[p]; row++)
        {
            var m = _positionMarket[row];
            var c = PositionKernel.Contributions(in _positionRow[row], in _marketFactors[m], _positionSize[row], _positionEntry[row], _positionFundingIndex[row], _market[m], in _marketState[m], in _marketMark[m]);
            init = checked(init + c.Init.Raw);
            liquidationEnd = checked(liquidationEnd + c.LiquidationEnd.Raw);
            maint = checked(maint + c.Maint.Raw);
        }

        SetResult(p, Fixed.FromRaw(init), Fixed.FromRaw(liquidationEnd), Fixed.FromRaw(maint));
    }

    private void SetResult(int p, Fixed init, Fixed liquidationEnd, Fixed maint)
    {
        _initHealth[p] = init;
        _liquidationEndHealth[p] = liquidationEnd;
        _maintHealth[p] = maint;
        SetLiquidatable(p, maint.IsNegative);
    }

    private void SetLiquidatable(int p, bool liquidatable)
    {
        ref bool current = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_liquidatable), p);
        if (liquidatable != current)
        {
            current = liquidatable;
            _liquidatableCount += liquidatable ? 1 : -1;
        }
    }

    private void ClearRows(int p)
    {
        var first = p * _balanceStride;
        for (var row = first; row < first + _balanceCount[p]; row++)
        {
            var moved = _slotPools[_balanceSlot[row]].RemoveAt(_balanceListIndex[row]);
            if (moved >= 0)
            {
                FixListIndex(moved, _balanceListIndex[row], _balanceSlot[row], _balanceStride, _balanceCount, _balanceSlot, _balanceListIndex);
            }
        }

        _balanceCount[p] = 0;
        first = p * _positionStride;
        for (var row = first; row < first + _positionCount[p]; row++)
        {
            var moved = _marketPools[_positionMarket[row]].RemoveAt(_positionListIndex[row]);
            if (moved >= 0)
            {
                FixListIndex(moved, _positionListIndex[row], _positionMarket[row], _positionStride, _positionCount, _positionMarket, _positionListIndex);
            }
        }

        _positionCount[p] = 0;
    }

    /// <summary>Pool <paramref name="moved"/> now sits at <paramref name="newIndex"/> of the list of <paramref name="target"/>: record it on its row.</summary>
    private static void FixListIndex(int moved, int newIndex, int target, int stride, byte[] counts, int[] targets, int[] listIndexes)
    {
        var first = moved * stride;
        for (var row = first; row < first + counts[moved]; row++)
        {
            if (targets[row] == target)
            {
                listIndexes[row] = newIndex;
                return;
            }
        }
    }

    private void ValidateFits(string poolKey, SubAccount pool)
    {
        var balances = 0;
        foreach (var balance in pool.Balances)
        {
            if (balance.Units != 0)
            {
                balances++;
                if (!_slotOf.ContainsKey(balance.Key))
                {
                    throw new KeyNotFoundException($"Pool {poolKey}: no collateral parameters for {balance.Key}.");
                }
            }
        }

        var positions = 0;
        foreach (var position in pool.Positions)
        {
            if (!position.Size.IsZero)
            {
                positions++;
                if (!_marketOf.ContainsKey(position.Market))
                {
                    throw new KeyNotFoundException($"Pool {poolKey}: unknown market {position.Market}.");
                }
            }
        }

        if (balances > _balanceStride || positions > _positionStride)
        {
            throw new ArgumentException(
                $"Pool {poolKey} holds {balances} balances and {positions} positions; the book's rows hold at most {_balanceStride} and {_positionStride}.");
        }
    }

    private void ResolveAllPrices()
    {
        for (var slot = 0; slot < _slotKey.Length; slot++)
        {
            _slotPrice[slot] = _context.PriceFor(_slotKey[slot]);
            _slotHaircut[slot] = _context.ChainHaircut(_slotKey[slot].Chain);
            ResolveSlotFactors(slot);
        }

        for (var m = 0; m < _marketSymbol.Length; m++)
        {
            _marketState[m] = _context.MarketStateFor(_marketSymbol[m]);
            _marketMark[m] = _context.MarkFor(_marketSymbol[m]);
            _marketFactors[m] = new MarketFactors(_market[m], in _marketState[m], in _marketMark[m]);
        }
    }

    private void ResolveSlotFactors(int slot)
    {
        _slotFactors[slot] = new SlotFactors(_slotParams[slot], in _slotPrice[slot], _slotHaircut[slot]);
        var assets = _assetTables[slot].Rebuild(_slotParams[slot], in _slotPrice[slot], _slotHaircut[slot], debt: false);
        var debts = _debtTables[slot].Rebuild(_slotParams[slot], in _slotPrice[slot], _slotHaircut[slot], debt: true);
        if (assets || debts)
        {
            SplitAgain(slot);
        }
    }

    /// <summary>The slot's tables changed modulus (or readiness): split its balances again.</summary>
    private void SplitAgain(int slot)
    {
        var list = _slotPools[slot];
        for (var i = 0; i < list.Count; i++)
        {
            var first = list.Pools[i] * _balanceStride;
            for (var row = first; row < first + _balanceCount[list.Pools[i]]; row++)
            {
                if (_balanceSlot[row] == slot)
                {
                    _balanceSplit[row] = Split(slot, _balanceUnits[row]);
                }
            }
        }
    }

    /// <summary>A balance as (Q, R) by its slot's table for its sign; not valid when that table is not ready or the
    /// units are beyond it (the evaluation then values the units through the other kernels).</summary>
    private BalanceSplit Split(int slot, Int128 units)
    {
        var debt = units < 0;
        var table = debt ? _debtTables[slot] : _assetTables[slot];
        ulong quotient = 0;
        ulong remainder = 0;
        var valid = units != Int128.MinValue && table.TrySplit(debt ? (UInt128)(-units) : (UInt128)units, out quotient, out remainder);
        return new BalanceSplit(quotient, remainder, (ushort)slot, debt, valid);
    }

    private void Grow(int pools)
    {
        Array.Resize(ref _poolKey, pools);
        Array.Resize(ref _balanceCount, pools);
        Array.Resize(ref _balanceSlot, pools * _balanceStride);
        Array.Resize(ref _balanceUnits, pools * _balanceStride);
        Array.Resize(ref _balanceSplit, pools * _balanceStride);
        Array.Resize(ref _balanceListIndex, pools * _balanceStride);
        Array.Resize(ref _positionCount, pools);
        Array.Resize(ref _positionMarket, pools * _positionStride);
        Array.Resize(ref _positionSize, pools * _positionStride);
        Array.Resize(ref _positionEntry, pools * _positionStride);
        Array.Resize(ref _positionFundingIndex, pools * _positionStride);
        Array.Resize(ref _positionRow, pools * _positionStride);
        Array.Resize(ref _positionLot, pools * _positionStride);
        Array.Resize(ref _positionListIndex, pools * _positionStride);
        Array.Resize(ref _initHealth, pools);
        Array.Resize(ref _liquidationEndHealth, pools);
        Array.Resize(ref _maintHealth, pools);
        Array.Resize(ref _liquidatable, pools);
        Array.Resize(ref _stamp, pools);
    }

    private static List<int> ListFor<TKey>(Dictionary<TKey, List<int>> lists, TKey key)
        where TKey : notnull
    {
        if (!lists.TryGetValue(key, out var list))
        {
            list = [];
            lists.Add(key, list);
        }

        return list;
    }

    /// <summary>The pools exposed to one slot or market: a growable array with O(1) add and swap-remove.</summary>
    private sealed class PoolList
    {
        public int[] Pools { get; private set; } = new int[4];

        public int Count { get; private set; }

        /// <summary>Appends a pool; returns its index in the list.</summary>
        public int Add(int pool)
        {
            if (Count == Pools.Length)
            {
                var grown = new int[Pools.Length * 2];
                Array.Copy(Pools, grown, Count);
                Pools = grown;
            }

            Pools[Count] = pool;
            return Count++;
        }

        /// <summary>Removes the entry at <paramref name="index"/> by moving the last entry into it; returns the
        /// pool that moved (now at <paramref name="index"/>), or -1 when none did.</summary>
        public int RemoveAt(int index)
        {
            var last = --Count;
            if (index == last)
            {
                return -1;
            }

            Pools[index] = Pools[last];
            return Pools[index];
        }
    }
}

/// <summary>A pool's three healths (USD): initial ≤ liquidation-end ≤ maintenance; liquidatable when maintenance &lt; 0.</summary>
public readonly record struct PoolHealth(Fixed Init, Fixed LiquidationEnd, Fixed Maint)
{
    public bool IsLiquidatable => Maint.IsNegative;
}

/// <summary>A balance split by its slot's table: units = Quotient × modulus + Remainder (magnitude), the sign, and
/// whether the split is valid for the table as it is now. 16 bytes, what a revaluation reads per balance: the remainder
/// is below the largest modulus (<see cref="BalanceTable.MaxSplitModulus"/>, 2^40) and is kept in 40 bits.</summary>
internal readonly struct BalanceSplit
{
    private readonly uint _remainderLow;
    private readonly byte _remainderHigh;

    public BalanceSplit(ulong quotient, ulong remainder, ushort slot, bool debt, bool valid)
    {
        Quotient = quotient;
        _remainderLow = (uint)remainder;
        _remainderHigh = (byte)(remainder >> 32);
        Slot = slot;
        Debt = debt;
        Valid = valid && remainder >> 40 == 0;
    }

    public readonly ulong Quotient;
    public readonly ushort Slot;
    public readonly bool Debt;
    public readonly bool Valid;

    public ulong Remainder => ((ulong)_remainderHigh << 32) | _remainderLow;
}
