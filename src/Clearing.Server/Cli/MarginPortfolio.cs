using System.Collections.Immutable;
using System.Text.Json;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Liquidation;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Server.Cli;

/// <summary>
/// The calculator's input (src/Clearing.Server/Cli/MARGIN.md) turned into the domain's model: a
/// <see cref="RiskContext"/>, the accounts, and the liquidation parameters. Every problem is a
/// <see cref="MarginInputException"/> naming the JSON path; nothing is guessed or rounded on the way in.
/// </summary>
public sealed record MarginPortfolio(RiskContext Context, ImmutableArray<MarginAccount> Accounts, LiquidationConfig Liquidation, Int128 InsuranceFundUnits)
{
    /// <summary>Liquidation defaults: no buffer, no fees, lowest weight first, no dust rule.</summary>
    public static LiquidationConfig DefaultLiquidation { get; } = new(Fixed.Zero, Fixed.Zero, Fixed.Zero, Fixed.Zero, CollateralPolicy.LowestWeightFirst, Fixed.Zero);

    public static MarginPortfolio Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new MarginInputException($"$ (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})", $"not valid JSON: {e.Message}");
        }

        using (document)
        {
            return Read(new JsonField(document.RootElement, "$"));
        }
    }

    private static MarginPortfolio Read(JsonField root)
    {
        var now = root.Optional("now")?.Integer(0, long.MaxValue) ?? 0;

        var assets = new Dictionary<string, (int Decimals, PriceQuote Quote)>(StringComparer.Ordinal);
        foreach (var item in root.Required("assets").Items())
        {
            var symbol = item.Required("symbol").String();
            if (assets.ContainsKey(symbol))
            {
                throw new MarginInputException(item.Required("symbol").Path, $"asset {symbol} is listed twice");
            }

            var decimals = (int)item.Required("decimals").Integer(0, TokenAmounts.MaxDecimals);
            var price = Positive(item.Required("price"));
            var confidence = NotNegative(item.Optional("confidence"), Fixed.Zero);
            var publishTime = item.Optional("publishTime")?.Integer(0, long.MaxValue) ?? now;
            assets.Add(symbol, (decimals, new PriceQuote(price, confidence, publishTime)));
        }

        var collateral = ImmutableDictionary.CreateBuilder<AssetKey, CollateralParams>();
        var collateralItems = root.Required("collateral").Items().ToArray();
        var settlement = Settlement(root, collateralItems);
        foreach (var item in collateralItems)
        {
            var key = Key(item, assets);
            if (collateral.ContainsKey(key))
            {
                throw new MarginInputException(item.Path, $"collateral parameters for {key} are listed twice");
            }

            var decimals = (int)(item.Optional("decimals")?.Integer(0, TokenAmounts.MaxDecimals) ?? assets[key.Asset].Decimals);
            collateral.Add(key, Construct(item.Path, () => new CollateralParams(
                key,
                decimals,
                NotNegative(item.Required("initWeight"), default),
                NotNegative(item.Required("maintWeight"), default),
                NotNegative(item.Required("initLiabilityWeight"), default),
                NotNegative(item.Required("maintLiabilityWeight"), default))
            {
                DepositWeightScaleStart = item.Optional("depositWeightScaleStart") is { } start ? Positive(start) : null,
                MayGoNegative = item.Optional("mayGoNegative")?.Boolean() ?? key == settlement,
            }));
        }

        if (!collateral.ContainsKey(settlement))
        {
            throw new MarginInputException("$.settlement", $"the settlement balance {settlement} has no entry in $.collateral");
        }

        var markets = ImmutableDictionary.CreateBuilder<string, PerpMarket>(StringComparer.Ordinal);
        var states = ImmutableDictionary.CreateBuilder<string, PerpMarketState>(StringComparer.Ordinal);
        foreach (var item in root.OptionalItems("markets"))
        {
            var symbol = item.Required("symbol").String();
            if (markets.ContainsKey(symbol))
            {
                throw new MarginInputException(item.Required("symbol").Path, $"market {symbol} is listed twice");
            }

            var market = Construct(item.Path, () => new PerpMarket(symbol, NotNegative(item.Required("initialMarginRatio"), default), NotNegative(item.Required("maintenanceMarginRatio"), default))
            {
                ImfFactor = item.Optional("imfFactor")?.Integer(0, DriftMargin.ImfPrecision * 1000) ?? 0,
                Tiers = item.Optional("tiers") is { } tiers ? Construct(tiers.Path, () => new MarginTiers(tiers.Items().Select(Tier).ToArray())) : null,
                Volatility = item.Optional("volatility") is { } v
                    ? new VolatilityAddOn(NotNegative(v.Required("k"), default), NotNegative(v.Required("horizonPeriods"), default), NotNegative(v.Required("maintenanceFraction"), default))
                    : null,
            });
            markets.Add(symbol, market);
            states.Add(symbol, new PerpMarketState(
                new PriceQuote(Positive(item.Required("markPrice")), NotNegative(item.Optional("markConfidence"), Fixed.Zero), item.Optional("markPublishTime")?.Integer(0, long.MaxValue) ?? now),
                item.Optional("fundingIndex")?.Decimal() ?? Fixed.Zero,
                item.Optional("volatility")?.Optional("variance") is { } variance ? NotNegative(variance, default) : Fixed.Zero));
        }

        var haircuts = ImmutableDictionary.CreateBuilder<ChainId, Fixed>();
        foreach (var item in root.OptionalItems("chainHaircuts"))
        {
            var chain = Chain(item.Required("chain"));
            var multiplier = NotNegative(item.Required("multiplier"), default);
            if (multiplier > Fixed.One)
            {
                throw new MarginInputException(item.Required("multiplier").Path, $"a chain haircut multiplier is within [0, 1], was {multiplier}");
            }

            haircuts[chain] = multiplier;
        }

        var context = new RiskContext(settlement, now)
        {
            Collateral = collateral.ToImmutable(),
            Prices = assets.ToImmutableDictionary(a => a.Key, a => a.Value.Quote, StringComparer.Ordinal),
            Markets = markets.ToImmutable(),
            MarketStates = states.ToImmutable(),
            ChainHaircuts = haircuts.ToImmutable(),
            PricePolicy = root.Optional("pricePolicy") is { } policy ? Policy(policy) : PricePolicy.Unguarded,
        };

        var accounts = ImmutableArray.CreateBuilder<MarginAccount>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in root.Required("accounts").Items())
        {
            var id = item.Required("id").String();
            if (!ids.Add(id))
            {
                throw new MarginInputException(item.Required("id").Path, $"account {id} is listed twice");
            }

            var isolated = ImmutableArray.CreateBuilder<SubAccount>();
            var subIds = new HashSet<string>(StringComparer.Ordinal) { id };
            foreach (var sub in item.OptionalItems("isolated"))
            {
                var subId = sub.Required("id").String();
                if (!subIds.Add(subId))
                {
                    throw new MarginInputException(sub.Required("id").Path, $"sub-account id {subId} is used twice in account {id}");
                }

                isolated.Add(Pool(sub, subId, context));
            }

            accounts.Add(new MarginAccount(id, Pool(item, id, context), isolated.ToImmutable()));
        }

        var liquidation = root.Optional("liquidation");
        var insurance = liquidation?.Optional("insuranceFund") is { } fund
            ? fund.TokenUnits(collateral[settlement].Decimals, settlement.Asset)
            : Int128.Zero;
        if (insurance < 0)
        {
            throw new MarginInputException(liquidation!.Value.Required("insuranceFund").Path, "the insurance fund must not be negative");
        }

        return new MarginPortfolio(context, accounts.ToImmutable(), liquidation is { } l ? LiquidationParameters(l) : DefaultLiquidation, insurance);
    }

    private static SubAccount Pool(JsonField item, string id, RiskContext context)
    {
        var pool = new SubAccount(id);
        foreach (var balance in item.OptionalItems("balances"))
        {
            var key = Key(balance, null);
            if (!context.Collateral.TryGetValue(key, out var p))
            {
                throw new MarginInputException(balance.Path, $"unknown collateral {key}: no entry in $.collateral for asset {key.Asset} on chain {key.Chain}");
            }

            if (pool.BalanceOf(key) != 0)
            {
                throw new MarginInputException(balance.Path, $"a second balance of {key}");
            }

            var units = balance.Required("amount").TokenUnits(p.Decimals, key.Asset);
            if (units < 0 && !p.MayGoNegative)
            {
                throw new MarginInputException(balance.Required("amount").Path, $"{key} may not be negative (only the settlement balance, or collateral with mayGoNegative, can be)");
            }

            pool = pool.WithBalance(key, units);
        }

        foreach (var position in item.OptionalItems("positions"))
        {
            var market = position.Required("market").String();
            if (!context.Markets.ContainsKey(market))
            {
                throw new MarginInputException(position.Required("market").Path, $"unknown market {market}");
            }

            if (pool.PositionIn(market) is not null)
            {
                throw new MarginInputException(position.Path, $"a second position in {market}");
            }

            pool = pool.WithPosition(new PerpPosition(
                market,
                position.Required("size").Decimal(),
                Positive(position.Required("entryPrice")),
                position.Optional("lastFundingIndex")?.Decimal() ?? Fixed.Zero));
        }

        foreach (var pending in item.OptionalItems("pendingDeposits"))
        {
            var key = Key(pending, null);
            var decimals = context.Collateral.TryGetValue(key, out var p)
                ? p.Decimals
                : throw new MarginInputException(pending.Path, $"unknown collateral {key}");
            var units = pending.Required("amount").TokenUnits(decimals, key.Asset);
            pool = pool with { PendingDeposits = pool.PendingDeposits.Add(new PendingDeposit(key, units, pending.Optional("txId")?.String() ?? "")) };
        }

        return pool;
    }

    private static AssetKey Settlement(JsonField root, JsonField[] collateral)
    {
        if (root.Optional("settlement") is { } settlement)
        {
            return new AssetKey(Chain(settlement.Required("chain")), settlement.Required("asset").String());
        }

        // Default: USDC on ethereum when listed, else the first USDC entry.
        var usdc = collateral
            .Select(c => (Chain: TextOrNull(c.Optional("chain")), Asset: TextOrNull(c.Optional("asset"))))
            .Where(c => c.Asset == "USDC" && c.Chain is not null)
            .OrderBy(c => c.Chain == "ethereum" ? 0 : 1)
            .FirstOrDefault();
        return usdc.Chain is null
            ? throw new MarginInputException("$.settlement", "missing field (no USDC collateral to default to)")
            : new AssetKey(Construct("$.collateral", () => new ChainId(usdc.Chain)), "USDC");
    }

    private static string? TextOrNull(JsonField? field) =>
        field is { Element.ValueKind: JsonValueKind.String } f ? f.Element.GetString() : null;

    private static AssetKey Key(JsonField item, Dictionary<string, (int, PriceQuote)>? assets)
    {
        var chain = Chain(item.Required("chain"));
        var asset = item.Required("asset").String();
        if (assets is not null && !assets.ContainsKey(asset))
        {
            throw new MarginInputException(item.Required("asset").Path, $"unknown asset {asset}: not in $.assets");
        }

        return new AssetKey(chain, asset);
    }

    private static ChainId Chain(JsonField field)
    {
        var name = field.String();
        return Construct(field.Path, () => new ChainId(name));
    }

    private static MarginTier Tier(JsonField item) =>
        new(NotNegative(item.Required("lowerBound"), default), NotNegative(item.Required("initialRate"), default), NotNegative(item.Required("maintenanceRate"), default));

    private static PricePolicy Policy(JsonField item) => new(
        item.Required("maxAgeSeconds").Integer(0, long.MaxValue),
        NotNegative(item.Required("maxConfidenceRatio"), default),
        NotNegative(item.Optional("staleWideningPerSecond"), Fixed.Zero),
        NotNegative(item.Optional("maxStaleWidening"), Fixed.Zero));

    private static LiquidationConfig LiquidationParameters(JsonField item)
    {
        var policyField = item.Optional("collateralPolicy");
        var policy = policyField?.String() switch
        {
            null or "lowestWeightFirst" => CollateralPolicy.LowestWeightFirst,
            "largestFirst" => CollateralPolicy.LargestFirst,
            "cheapestChainFirst" => CollateralPolicy.CheapestChainFirst,
            var other => throw new MarginInputException(policyField!.Value.Path, $"unknown collateral policy '{other}' (lowestWeightFirst, largestFirst, cheapestChainFirst)"),
        };
        var costs = ImmutableDictionary.CreateBuilder<ChainId, Fixed>();
        foreach (var cost in item.OptionalItems("chainCosts"))
        {
            costs[Chain(cost.Required("chain"))] = NotNegative(cost.Required("cost"), default);
        }

        return Construct(item.Path, () => new LiquidationConfig(
            NotNegative(item.Optional("buffer"), Fixed.Zero),
            NotNegative(item.Optional("positionPenalty"), Fixed.Zero),
            NotNegative(item.Optional("collateralPenalty"), Fixed.Zero),
            NotNegative(item.Optional("liquidatorShare"), Fixed.Zero),
            policy,
            NotNegative(item.Optional("dustValue"), Fixed.Zero))
        {
            ChainCosts = costs.ToImmutable(),
        });
    }

    private static Fixed Positive(JsonField field)
    {
        var value = field.Decimal();
        return value.IsPositive ? value : throw new MarginInputException(field.Path, $"must be positive, was {value}");
    }

    private static Fixed NotNegative(JsonField? field, Fixed absent)
    {
        if (field is not { } f)
        {
            return absent;
        }

        var value = f.Decimal();
        return value.IsNegative ? throw new MarginInputException(f.Path, $"must not be negative, was {value}") : value;
    }

    /// <summary>Runs a domain constructor; its validation message becomes an input error at <paramref name="path"/>.</summary>
    private static T Construct<T>(string path, Func<T> construct)
    {
        try
        {
            return construct();
        }
        catch (ArgumentException e)
        {
            throw new MarginInputException(path, e.Message);
        }
    }
}
