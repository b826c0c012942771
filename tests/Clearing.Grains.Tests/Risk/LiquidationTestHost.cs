using System.Collections.Concurrent;
using System.Collections.Immutable;
using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Actors.Testing;
using Clearing.Chains;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Events;
using Clearing.Grains.Risk;
using Clearing.Persistence;

namespace Clearing.Grains.Tests.Risk;

/// <summary>
/// Two EVM chains and Solana: USDC on evm-a (settlement, 6 decimals, may go negative), WETH on evm-a and on evm-b
/// (18 decimals, weights 0.8 / 0.9, liabilities 1.2 / 1.1) at 2,000 USD, SOL on solana (9 decimals) at 100 USD;
/// ETH-PERP (10 % / 5 %) marked at 2,000 USD and SOL-PERP (20 % / 10 %, isolated) marked at 100 USD. Liquidation:
/// 1 USD buffer, 2.5 % penalties, half to the liquidator, lowest weight first (then the larger value, then the key).
/// </summary>
public static class LiquidationRisk
{
    public const string ChainA = "evm-a";
    public const string ChainB = "evm-b";
    public const string Solana = "solana";
    public const string EthPerp = "ETH-PERP";
    public const string SolPerp = "SOL-PERP";

    public static readonly AssetKey Usdc = new(new ChainId(ChainA), "USDC");
    public static readonly AssetKey WethA = new(new ChainId(ChainA), "WETH");
    public static readonly AssetKey WethB = new(new ChainId(ChainB), "WETH");
    public static readonly AssetKey Sol = new(new ChainId(Solana), "SOL");

    public static RiskConfiguration Configuration { get; } = new(Usdc)
    {
        Collateral = ImmutableDictionary<AssetKey, CollateralParams>.Empty
            .Add(Usdc, new CollateralParams(Usdc, 6, Fixed.One, Fixed.One, Fixed.One, Fixed.One) { MayGoNegative = true })
            .Add(WethA, new CollateralParams(WethA, 18, Fixed.Parse("0.8"), Fixed.Parse("0.9"), Fixed.Parse("1.2"), Fixed.Parse("1.1")))
            .Add(WethB, new CollateralParams(WethB, 18, Fixed.Parse("0.8"), Fixed.Parse("0.9"), Fixed.Parse("1.2"), Fixed.Parse("1.1")))
            .Add(Sol, new CollateralParams(Sol, 9, Fixed.Parse("0.7"), Fixed.Parse("0.8"), Fixed.Parse("1.3"), Fixed.Parse("1.2"))),
        Prices = ImmutableDictionary<string, PriceQuote>.Empty
            .Add("WETH", PriceQuote.Exact(Fixed.FromInt(2000)))
            .Add("SOL", PriceQuote.Exact(Fixed.FromInt(100))),
        Markets = ImmutableDictionary<string, PerpMarket>.Empty
            .Add(EthPerp, new PerpMarket(EthPerp, Fixed.Parse("0.1"), Fixed.Parse("0.05")))
            .Add(SolPerp, new PerpMarket(SolPerp, Fixed.Parse("0.2"), Fixed.Parse("0.1"))),
        MarketStates = ImmutableDictionary<string, PerpMarketState>.Empty
            .Add(EthPerp, PerpMarketState.AtPrice(Fixed.FromInt(2000)))
            .Add(SolPerp, PerpMarketState.AtPrice(Fixed.FromInt(100))),
        IsolatedMarkets = ImmutableHashSet.Create(StringComparer.Ordinal, SolPerp),
    };

    public static Int128 Dollars(long usd) => usd * (Int128)1_000_000;

    /// <summary>Base units of <paramref name="milli"/> thousandths of a WETH.</summary>
    public static Int128 MilliWeth(long milli) => milli * (Int128)1_000_000_000_000_000;

    public static Int128 WholeSol(long sol) => sol * (Int128)1_000_000_000;

    public static RiskConfiguration WithPrice(this RiskConfiguration configuration, string asset, long usd) =>
        configuration with { Prices = configuration.Prices.SetItem(asset, PriceQuote.Exact(Fixed.FromInt(usd))) };
}

/// <summary>
/// An actor host with Clearing's grains over one database on its own fake clock, with a risk configuration the test
/// moves (as the oracles do), the database in its services (the risk book rebuilds from it) and the account events kept.
/// </summary>
public sealed class LiquidationTestHost : IAsyncDisposable
{
    private readonly GrainTestHost host;
    private int deposits;

    private LiquidationTestHost(GrainTestHost host, MutableRiskConfiguration risk, RecordingEvents events, ClearingDatabase database)
    {
        this.host = host;
        Risk = risk;
        Events = events;
        Database = database;
    }

    public FakeClock Clock => host.Clock;

    public MutableRiskConfiguration Risk { get; }

    public RecordingEvents Events { get; }

    public ClearingDatabase Database { get; }

    public IGrainFactory Grains => host.Grains;

    public INettingGrain Netting => Grains.GetGrain<INettingGrain>(NettingGrainKey.Book);

    public IInsuranceFundGrain Fund => Grains.GetGrain<IInsuranceFundGrain>(InsuranceFundKey.Fund);

    public static async Task<LiquidationTestHost> StartAsync(ClearingDatabase database, string hostId = "host-1", RiskConfiguration? risk = null, NettingOptions? netting = null)
    {
        var configuration = new MutableRiskConfiguration(risk ?? LiquidationRisk.Configuration);
        var events = new RecordingEvents();
        // A lease far longer than any test's fake time: advancing the clock never outruns a renewal still on its way to the database.
        var options = new ActorHostOptions { HostId = hostId, LeaseTtl = TimeSpan.FromHours(1), LeaseRenewInterval = TimeSpan.FromMinutes(10) };
        var host = await GrainTestHost.StartAsync(database, options, risk: configuration, extraServices: new Dictionary<Type, object>
        {
            [typeof(ClearingDatabase)] = database,
            [typeof(IAccountEventSink)] = events,
            [typeof(NettingOptions)] = netting ?? NettingOptions.Default,
        });
        return new LiquidationTestHost(host, configuration, events, database);
    }

    public IMarginAccountGrain Account(string id) => host.Account(id);

    public ILiquidationRouterGrain Router(string id) => Grains.GetGrain<ILiquidationRouterGrain>(id);

    public void SetPrice(string asset, long usd) => Risk.Current = Risk.Current.WithPrice(asset, usd);

    public async Task DepositAsync(string account, AssetKey collateral, Int128 units)
    {
        var n = Interlocked.Increment(ref deposits);
        var credit = await Account(account).CreditDepositAsync(
            new CreditDeposit(new DepositKey(collateral.Chain.Name, $"0xdeposit{n}", 0), collateral.Asset, units, 10, "0xblock10", "0xdepositor"));
        Assert.False(credit.Replayed);
    }

    /// <summary>
    /// An account holding <paramref name="wethA"/> / <paramref name="wethB"/> WETH (thousandths) that owes
    /// <paramref name="debtUsd"/> USDC: it bought 2 ETH-PERP at 2,000 and sold them at a loss of exactly that.
    /// </summary>
    public async Task IndebtedAsync(string account, long wethAMilli, long wethBMilli, long debtUsd)
    {
        if (wethAMilli > 0)
        {
            await DepositAsync(account, LiquidationRisk.WethA, LiquidationRisk.MilliWeth(wethAMilli));
        }

        if (wethBMilli > 0)
        {
            await DepositAsync(account, LiquidationRisk.WethB, LiquidationRisk.MilliWeth(wethBMilli));
        }

        var open = await Account(account).ApplyTradeAsync(new ApplyTrade($"{account}-open", LiquidationRisk.EthPerp, Fixed.FromInt(2), Fixed.FromInt(2000)));
        Assert.True(open.Accepted, open.Reason);
        var close = await Account(account).ApplyTradeAsync(new ApplyTrade($"{account}-close", LiquidationRisk.EthPerp, Fixed.FromInt(-2), Fixed.FromInt(2000) - Fixed.FromInt(debtUsd / 2)));
        Assert.True(close.Accepted, close.Reason);
    }

    public ValueTask DisposeAsync() => host.DisposeAsync();
}

/// <summary>The account events grains published, in order.</summary>
public sealed class RecordingEvents : IAccountEventSink
{
    private readonly ConcurrentQueue<AccountEvent> published = new();

    public IReadOnlyList<AccountEvent> All => [.. published];

    public IReadOnlyList<AccountEvent> Of(string account, string kind) => [.. published.Where(e => e.Account == account && e.Kind == kind)];

    public void Publish(AccountEvent accountEvent) => published.Enqueue(accountEvent);
}
