using System.Collections.Immutable;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Solana.Rpc;
using Clearing.Domain.Numerics;
using Clearing.Grains.Risk;
using Clearing.Oracles.Aggregation;
using Clearing.Oracles.Sources;

namespace Clearing.Server.Oracles;

/// <summary>
/// The risk configuration the grains decide with when <c>Clearing:Oracles</c> is configured: the risk file's assets,
/// collateral and markets with the prices of the oracle-priced assets replaced by their aggregated price
/// (Clearing.Oracles), recomputed after every refresh.
/// <list type="bullet">
/// <item>Live: the aggregate (median, confidence, oldest publish time).</item>
/// <item>Frozen (sources diverge): the last good quote, and the asset is listed in
/// <see cref="RiskConfiguration.FrozenPrices"/>, so no liquidation is proposed or planned on it.</item>
/// <item>Unavailable (too few fresh sources): the last good quote with its own publish time; the Domain's
/// <see cref="Clearing.Domain.Markets.PricePolicy"/> makes it stale once older than the policy's maximum age (no new
/// risk, band widening with age, no liquidation).</item>
/// <item>No good price yet: the risk file's price stays.</item>
/// </list>
/// </summary>
public sealed class OraclePriceBook : IRiskConfigurationProvider, IDisposable
{
    private readonly IRiskConfigurationProvider riskFile;
    private readonly IReadOnlyDictionary<string, AssetOracle> oracles;
    private readonly IReadOnlyDictionary<string, OperatorPriceFeed> operatorFeeds;
    private readonly HttpClient http = new();
    private readonly TimeProvider clock;
    private readonly Lock publish = new();
    private RiskConfiguration current;

    public OraclePriceBook(IRiskConfigurationProvider riskFile, OracleSettings settings, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(settings);
        this.riskFile = riskFile ?? throw new ArgumentNullException(nameof(riskFile));
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        var feeds = new Dictionary<string, OperatorPriceFeed>(StringComparer.Ordinal);
        var built = new Dictionary<string, AssetOracle>(StringComparer.Ordinal);
        foreach (var asset in settings.Assets)
        {
            var sources = asset.Sources.Select(source => new OracleSource(Connect(asset.Asset, source, feeds), source.HeartbeatSeconds)).ToList();
            built[asset.Asset] = new AssetOracle(asset.Asset, sources, settings.Rules, clock);
        }

        oracles = built;
        operatorFeeds = feeds;
        RefreshInterval = settings.RefreshInterval;
        current = riskFile.Current;
    }

    public TimeSpan RefreshInterval { get; }

    public RiskConfiguration Current => Volatile.Read(ref current);

    /// <summary>The oracle-priced assets and their latest evaluation (null before the first refresh).</summary>
    public IReadOnlyDictionary<string, AssetPrice?> Latest => oracles.ToDictionary(pair => pair.Key, pair => pair.Value.Latest, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="asset"/> has an operator source.</summary>
    public bool HasOperatorFeed(string asset) => operatorFeeds.ContainsKey(asset);

    /// <summary>Refreshes every asset's sources and publishes the new prices.</summary>
    public async Task RefreshAllAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(oracles.Values.Select(oracle => oracle.RefreshAsync(cancellationToken)));
        Publish();
    }

    /// <summary>
    /// Sets the operator's price of <paramref name="asset"/> (published now unless <paramref name="publishTime"/> says
    /// otherwise), re-aggregates that asset at once and publishes; returns its evaluation.
    /// </summary>
    public async Task<AssetPrice> SetOperatorPriceAsync(string asset, Fixed price, Fixed confidence, long? publishTime, CancellationToken cancellationToken)
    {
        var feed = operatorFeeds[asset];
        feed.Set(price, confidence, publishTime ?? clock.GetUtcNow().ToUnixTimeSeconds());
        var evaluated = await oracles[asset].RefreshAsync(cancellationToken);
        Publish();
        return evaluated;
    }

    public void Dispose()
    {
        foreach (var oracle in oracles.Values)
        {
            oracle.Dispose();
        }

        http.Dispose();
    }

    /// <summary>Builds the configuration from the risk file and the latest evaluations; one writer at a time so a slower one cannot publish older prices last.</summary>
    private void Publish()
    {
        lock (publish)
        {
            var file = riskFile.Current;
            var prices = file.Prices.ToBuilder();
            var frozen = file.FrozenPrices.ToBuilder();
            foreach (var (asset, oracle) in oracles)
            {
                if (oracle.Latest is not { } latest)
                {
                    continue;
                }

                if ((latest.Quote ?? latest.LastGood) is { } quote)
                {
                    prices[asset] = quote;
                }

                if (latest.Frozen)
                {
                    frozen.Add(asset);
                }
                else
                {
                    frozen.Remove(asset);
                }
            }

            Volatile.Write(ref current, file with { Prices = prices.ToImmutable(), FrozenPrices = frozen.ToImmutable() });
        }
    }

    private IPriceSource Connect(string asset, OracleSourceSettings source, Dictionary<string, OperatorPriceFeed> feeds)
    {
        switch (source)
        {
            case EvmAggregatorSourceSettings evm:
                // Prices are read at latest: waiting for finality would make every EVM price minutes old (Oracles README).
                return new EvmAggregatorPriceSource(evm.Name, asset, new EvmRpcClient(http, evm.RpcUrl, new EvmRpcOptions { Chain = evm.Chain }), evm.Feed, BlockTag.Latest);
            case SolanaAccountSourceSettings solana:
                return new SolanaPriceAccountSource(solana.Name, asset, new SolanaRpcClient(http, solana.RpcUrl), solana.Account, solana.Publisher, solana.Commitment);
            case OperatorSourceSettings:
                var feed = new OperatorPriceFeed(source.Name, asset);
                feeds[asset] = feed;
                return feed;
            default:
                throw new ArgumentException($"Unknown source settings {source.GetType().Name}.", nameof(source));
        }
    }
}
