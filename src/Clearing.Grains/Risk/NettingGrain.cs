using System.Diagnostics;
using System.Text.Json;
using Clearing.Actors;
using Clearing.Actors.Storage;
using Clearing.Domain.Accounts;
using Clearing.Domain.Health;
using Clearing.Domain.Numerics;
using Clearing.Domain.RiskBook;
using Clearing.Grains.Accounts;
using Clearing.Grains.Events;
using Clearing.Grains.Serialization;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;

namespace Clearing.Grains.Risk;

/// <summary>
/// The risk book of all accounts: one activation holding the Domain's <see cref="ExposureBook"/> (every cross pool and
/// isolated sub-account), kept current from two sides. Account grains send each committed state
/// (<see cref="UpdateAccountAsync"/>); the scan timer reads the risk configuration and applies only what changed
/// (<see cref="ExposureBook.OnPrice"/>, <see cref="ExposureBook.OnMarketState"/>, <see cref="ExposureBook.OnChainHaircut"/>;
/// the clock only under a price policy that ages prices). It keeps no state of its own: on activation it rebuilds the
/// book from every stored margin-account state (through an <see cref="IGrainStateScanner"/>, or the
/// <see cref="ClearingDatabase"/>'s grain storage; a host with neither starts with an empty book).
/// </summary>
/// <remarks>
/// Proposals: each account with a liquidatable pool whose prices are all live (<see cref="RiskConfiguration.LiquidationBlocker"/>:
/// a stale, uncertain or frozen price proposes nothing) goes to its <see cref="ILiquidationRouterGrain"/>, one account at
/// a time, and not again while that liquidation has a seizure in flight. An account whose state shows a seizure in
/// flight that this activation did not route (a restart in between) is proposed once, so its router resumes it.
/// Margin calls: a pool not liquidatable whose initial health is negative (the only pools whose maintenance ratio can be
/// low under weights where maintenance is looser than initial) has its maintenance health ratio computed by
/// <see cref="HealthCalculator"/>; below <see cref="NettingOptions.MarginCallRatioPercent"/> it gets one
/// <c>margin.call</c>, and another only after recovering above.
/// </remarks>
public sealed class NettingGrain(
    IRiskConfigurationProvider risk,
    TimeProvider clock,
    NettingOptions? options = null,
    IGrainStateScanner? scanner = null,
    ClearingDatabase? database = null,
    IAccountEventSink? events = null)
    : Grain, INettingGrain, IRemindable
{
    /// <summary>
    /// The reminder that keeps the book active (timer ticks do not count as activity, reminder ticks do) and activates it
    /// again after a restart, so scanning never waits for an account to commit. Its tick scans too.
    /// </summary>
    public const string KeepScanningReminder = "keep-scanning";

    /// <summary>Under the host's idle timeout (15 min by default), as Orleans' one-minute minimum reminder period.</summary>
    public static readonly TimeSpan KeepScanningPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Grain type and state name of margin accounts in storage (their <c>[GrainType]</c> and <c>[PersistentState]</c>).</summary>
    private const string AccountGrainType = "margin-account";
    private const string AccountStateName = "account";

    private readonly NettingOptions settings = options ?? NettingOptions.Default;
    private readonly Dictionary<string, AccountEntry> accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> inFlight = new(StringComparer.Ordinal);
    private readonly HashSet<string> marginCalled = new(StringComparer.Ordinal);
    private ExposureBook book = null!;
    private RiskConfiguration bookConfiguration = null!;
    private IDisposable? timer;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if ((scanner ?? (database is null ? null : new SqlGrainStorage(database))) is { } states)
        {
            foreach (var stored in await states.ScanAsync(AccountGrainType, AccountStateName, cancellationToken))
            {
                accounts[stored.Key] = new AccountEntry(stored.Version, Deserialize(stored.Json));
            }
        }
        else
        {
            // A host without a database in its services (benchmarks, tools): the book holds the accounts that commit from now on.
            Trace.TraceWarning("netting: no IGrainStateScanner or ClearingDatabase in the host's services; the risk book starts empty and fills from account updates.");
        }

        RebuildBook(risk.Current);
        timer = RegisterTimer(_ => ScanAsync(), null, settings.ScanPeriod, settings.ScanPeriod);
        await RegisterOrUpdateReminderAsync(KeepScanningReminder, KeepScanningPeriod, KeepScanningPeriod);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => ScanAsync();

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        timer?.Dispose();
        return Task.CompletedTask;
    }

    public Task UpdateAccountAsync(AccountExposure exposure)
    {
        ArgumentNullException.ThrowIfNull(exposure);
        if (accounts.TryGetValue(exposure.AccountId, out var known) && known.Version >= exposure.Version)
        {
            return Task.CompletedTask;
        }

        var entry = new AccountEntry(exposure.Version, Deserialize(exposure.StateJson));
        var before = known?.State;
        accounts[exposure.AccountId] = entry;
        Upsert(exposure.AccountId, entry.State, before);
        if (inFlight.TryGetValue(exposure.AccountId, out var liquidationId) && !entry.State.OpenLiquidations().Contains(liquidationId, StringComparer.Ordinal))
        {
            inFlight.Remove(exposure.AccountId);
        }

        return Task.CompletedTask;
    }

    public async Task<ScanResult> ScanAsync()
    {
        var revalued = ApplyConfiguration(risk.Current);
        var configuration = bookConfiguration;
        var context = book.Context;
        var liquidatable = new SortedSet<string>(StringComparer.Ordinal);
        var toPropose = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var poolKey in book.LiquidatablePools())
        {
            var (accountId, poolName) = SplitPoolKey(poolKey);
            if (!accounts.TryGetValue(accountId, out var entry))
            {
                continue;
            }

            liquidatable.Add(accountId);
            if (configuration.LiquidationBlocker(entry.State.PoolOf(accountId, poolName), context) is { } blocker)
            {
                Trace.TraceInformation($"netting: {poolKey} is liquidatable but not proposed: {blocker}");
                continue;
            }

            toPropose.TryAdd(accountId, $"{poolName} maintenance health below 0");
        }

        foreach (var (accountId, entry) in accounts)
        {
            if (entry.State.Seizures.Count > 0)
            {
                toPropose.TryAdd(accountId, "a liquidation has a seizure in flight");
            }
        }

        var proposed = new List<string>();
        foreach (var (accountId, reason) in toPropose)
        {
            if (inFlight.ContainsKey(accountId))
            {
                continue;
            }

            RouteResult routed;
            try
            {
                routed = await GrainFactory.GetGrain<ILiquidationRouterGrain>(accountId).RouteAsync(new LiquidationProposal("scanner", reason));
            }
            catch (Exception failure) when (failure is not OutOfMemoryException)
            {
                // One account's router failing must not stop the others; the next scan proposes it again.
                Trace.TraceWarning($"netting: routing {accountId} failed: {failure.Message}");
                continue;
            }

            if (routed is { Started: true, LiquidationId: { } id })
            {
                proposed.Add(accountId);
                // The account's update for the plan arrived while the router ran (it interleaves with this scan).
                if (accounts.TryGetValue(accountId, out var now) && now.State.OpenLiquidations().Contains(id, StringComparer.Ordinal))
                {
                    inFlight[accountId] = id;
                }
            }
        }

        CallMargins(configuration, context);
        return new ScanResult(revalued, [.. liquidatable], proposed);
    }

    public Task<RiskBookStats> GetStatsAsync()
    {
        var context = book.Context;
        var buckets = new SortedDictionary<string, int>(StringComparer.Ordinal)
        {
            ["lt_0"] = 0, ["0_10"] = 0, ["10_25"] = 0, ["25_50"] = 0, ["50_100"] = 0, ["ge_100"] = 0,
        };
        var liquidatable = 0;
        foreach (var (accountId, entry) in accounts)
        {
            var health = HealthCalculator.Compute(entry.State.ToMarginAccount(accountId), context);
            liquidatable += health.AnyLiquidatable ? 1 : 0;
            // The account's worst pool decides its bucket; a pool without liabilities has no ratio (unbounded).
            var worst = health.Isolated.Prepend(health.Cross)
                .Select(h => h.IsLiquidatable ? Fixed.FromInt(-1) : h.HealthRatio)
                .Where(r => r is not null)
                .Select(r => r!.Value)
                .DefaultIfEmpty(Fixed.FromInt(100))
                .Min();
            buckets[Bucket(worst)]++;
        }

        return Task.FromResult(new RiskBookStats(accounts.Count, liquidatable, buckets));
    }

    public Task<IReadOnlyList<AdlCandidateView>> GetAdlCandidatesAsync(string excludedAccount)
    {
        var context = book.Context;
        var candidates = new List<AdlCandidateView>();
        foreach (var (accountId, entry) in accounts)
        {
            if (accountId == excludedAccount)
            {
                continue;
            }

            var account = entry.State.ToMarginAccount(accountId);
            foreach (var pool in account.Isolated.Prepend(account.Cross))
            {
                if (pool.Positions.IsEmpty)
                {
                    continue;
                }

                var value = HealthCalculator.Compute(pool, context).CollateralValue;
                candidates.AddRange(pool.Positions.Select(p => new AdlCandidateView(accountId, p.Market, p.Size, p.EntryPrice, value)));
            }
        }

        return Task.FromResult<IReadOnlyList<AdlCandidateView>>(candidates);
    }

    private static string Bucket(Fixed ratio) =>
        ratio.IsNegative ? "lt_0"
        : ratio < Fixed.FromInt(10) ? "0_10"
        : ratio < Fixed.FromInt(25) ? "10_25"
        : ratio < Fixed.FromInt(50) ? "25_50"
        : ratio < Fixed.FromInt(100) ? "50_100"
        : "ge_100";

    /// <summary>Margin calls on pools that fell below the threshold since the last scan (see the class remarks).</summary>
    private void CallMargins(RiskConfiguration configuration, RiskContext context)
    {
        foreach (var (accountId, entry) in accounts)
        {
            foreach (var poolName in entry.State.Isolated.Select(i => i.Market).Prepend(MarginPools.Cross))
            {
                var poolKey = PoolKey(accountId, poolName);
                if (!book.TryGetHealth(poolKey, out var health) || health.IsLiquidatable || !health.Init.IsNegative)
                {
                    marginCalled.Remove(poolKey);
                    continue;
                }

                var snapshot = HealthCalculator.Compute(entry.State.PoolOf(accountId, poolName), context);
                if (snapshot.HealthRatio is not { } ratio || ratio >= settings.MarginCallRatioPercent)
                {
                    marginCalled.Remove(poolKey);
                    continue;
                }

                if (marginCalled.Add(poolKey))
                {
                    AccountEventPublishing.Publish(events, accountId, AccountEventKinds.MarginCall, clock.GetUtcNow(),
                        ("pool", poolName),
                        ("maintHealth", snapshot.MaintHealth.ToString()),
                        ("maintHealthRatio", ratio.ToString()),
                        ("threshold", settings.MarginCallRatioPercent.ToString()),
                        ("settlement", configuration.Settlement.ToString()));
                }
            }
        }
    }

    /// <summary>
    /// Brings the book to <paramref name="current"/>: only the prices, marks and haircuts that differ are applied; a change
    /// of the parameters themselves (collateral, markets, price policy) rebuilds it. Returns the pools re-valued.
    /// </summary>
    private int ApplyConfiguration(RiskConfiguration current)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (!SameEntries(current.Collateral, bookConfiguration.Collateral) || !SameEntries(current.Markets, bookConfiguration.Markets)
            || current.PricePolicy != bookConfiguration.PricePolicy || current.Settlement != bookConfiguration.Settlement)
        {
            RebuildBook(current);
            return book.PoolCount;
        }

        var revalued = 0;
        var context = book.Context;
        foreach (var (asset, quote) in current.Prices)
        {
            if (!context.Prices.TryGetValue(asset, out var held) || held != quote)
            {
                revalued += book.OnPrice(asset, quote);
            }
        }

        foreach (var (market, state) in current.MarketStates)
        {
            if (!context.MarketStates.TryGetValue(market, out var held) || held != state)
            {
                revalued += book.OnMarketState(market, state);
            }
        }

        foreach (var chain in current.ChainHaircuts.Keys.Union(context.ChainHaircuts.Keys))
        {
            var multiplier = current.ChainHaircuts.TryGetValue(chain, out var m) ? m : Fixed.One;
            if (context.ChainHaircut(chain) != multiplier)
            {
                revalued += book.OnChainHaircut(chain, multiplier);
            }
        }

        // Prices age only under a guarded policy: then every pool is re-valued at the new time.
        if (current.PricePolicy.MaxAgeSeconds != long.MaxValue && now != book.Context.Now)
        {
            book.AdvanceTime(now);
            revalued = book.PoolCount;
        }

        bookConfiguration = current;
        return revalued;
    }

    private void RebuildBook(RiskConfiguration configuration)
    {
        bookConfiguration = configuration;
        var context = configuration.ContextAt(clock.GetUtcNow());
        book = new ExposureBook(context,
            maxBalancesPerPool: Math.Clamp(context.Collateral.Count, 1, byte.MaxValue),
            maxPositionsPerPool: Math.Clamp(context.Markets.Count, 1, byte.MaxValue),
            expectedPools: Math.Max(accounts.Count, 16));
        foreach (var (accountId, entry) in accounts)
        {
            Upsert(accountId, entry.State, before: null);
        }
    }

    /// <summary>Puts an account's pools in the book, and takes out isolated pools it no longer has.</summary>
    private void Upsert(string accountId, MarginAccountState state, MarginAccountState? before)
    {
        try
        {
            book.Upsert(state.ToMarginAccount(accountId));
        }
        catch (Exception invalid) when (invalid is KeyNotFoundException or ArgumentException or InvalidOperationException)
        {
            // An account holding what the configuration no longer lists cannot be valued here; it stays out of the book.
            Trace.TraceWarning($"netting: account {accountId} left out of the risk book: {invalid.Message}");
        }

        foreach (var gone in (before?.Isolated ?? []).Select(i => i.Market).Except(state.Isolated.Select(i => i.Market), StringComparer.Ordinal))
        {
            book.Remove(PoolKey(accountId, gone));
        }
    }

    /// <summary>Whether two parameter tables hold the same entries (a provider may rebuild them with every price).</summary>
    private static bool SameEntries<TKey, TValue>(IReadOnlyDictionary<TKey, TValue> a, IReadOnlyDictionary<TKey, TValue> b)
        where TKey : notnull =>
        ReferenceEquals(a, b)
        || (a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out var other) && EqualityComparer<TValue>.Default.Equals(entry.Value, other)));

    private static string PoolKey(string accountId, string poolName) =>
        poolName == MarginPools.Cross ? accountId : ExposureBook.IsolatedKey(accountId, poolName);

    /// <summary>The account and pool of a book key ("id" or "id/market"; account ids hold no '/').</summary>
    private static (string AccountId, string Pool) SplitPoolKey(string poolKey)
    {
        var slash = poolKey.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (poolKey, MarginPools.Cross) : (poolKey[..slash], poolKey[(slash + 1)..]);
    }

    private static MarginAccountState Deserialize(string json) =>
        JsonSerializer.Deserialize<MarginAccountState>(json, GrainJson.Options)
            ?? throw new JsonException("A margin account state is empty.");

    private sealed record AccountEntry(long Version, MarginAccountState State);
}
