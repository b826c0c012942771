using System.Text;
using System.Text.Json;
using Clearing.Domain.Accounts;
using Clearing.Domain.Health;
using Clearing.Domain.Liquidation;
using Clearing.Domain.Numerics;

namespace Clearing.Server.Cli;

/// <summary>
/// The `clearing margin` calculator: health and liquidation plan of every account of a portfolio file, all from
/// Clearing.Domain (<see cref="HealthCalculator"/>, <see cref="LiquidationPlanner"/>). Output format: MARGIN.md.
/// </summary>
public static class MarginCalculator
{
    /// <summary>Parses, computes and renders; throws <see cref="MarginInputException"/> for bad input before anything is rendered.</summary>
    public static string Run(string portfolioJson)
    {
        var portfolio = MarginPortfolio.Parse(portfolioJson);
        var results = portfolio.Accounts.Select((account, i) => Evaluate(portfolio, account, i)).ToArray();
        return Render(portfolio, results);
    }

    private sealed record PoolResult(string Id, HealthSnapshot Health, LiquidationPlan? Plan);

    private sealed record AccountResult(PoolResult Cross, PoolResult[] Isolated);

    private static AccountResult Evaluate(MarginPortfolio portfolio, MarginAccount account, int index)
    {
        var context = portfolio.Context;
        var candidates = AdlCandidates(portfolio, account.Id);
        try
        {
            var plans = LiquidationPlanner.PlanAccount(account, context, portfolio.Liquidation, portfolio.InsuranceFundUnits, candidates)
                .ToDictionary(p => p.SubAccountId, StringComparer.Ordinal);
            PoolResult Pool(SubAccount pool) => new(pool.Id, HealthCalculator.Compute(pool, context), plans.GetValueOrDefault(pool.Id));
            return new AccountResult(Pool(account.Cross), account.Isolated.Select(Pool).ToArray());
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or OverflowException)
        {
            throw new MarginInputException($"$.accounts[{index}]", $"cannot be evaluated: {e.Message}");
        }
    }

    /// <summary>Opposing-position candidates for auto-deleveraging: the cross pools of the other accounts in the
    /// file, each valued at its unweighted collateral (accounts without collateral cannot be ranked and are left out).</summary>
    private static List<AdlCandidate> AdlCandidates(MarginPortfolio portfolio, string excludedAccount)
    {
        var candidates = new List<AdlCandidate>();
        foreach (var other in portfolio.Accounts)
        {
            if (other.Id == excludedAccount)
            {
                continue;
            }

            var value = HealthCalculator.Compute(other.Cross, portfolio.Context).CollateralValue;
            if (!value.IsPositive)
            {
                continue;
            }

            candidates.AddRange(other.Cross.Positions.Select(p => new AdlCandidate(other.Id, p.Market, p.Size, p.EntryPrice, value)));
        }

        return candidates;
    }

    private static string Render(MarginPortfolio portfolio, AccountResult[] results)
    {
        var settlementDecimals = portfolio.Context.CollateralFor(portfolio.Context.Settlement).Decimals;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("accounts");
            foreach (var result in results)
            {
                json.WriteStartObject();
                WritePool(json, portfolio, result.Cross, settlementDecimals);
                if (result.Isolated.Length > 0)
                {
                    json.WriteStartArray("isolated");
                    foreach (var isolated in result.Isolated)
                    {
                        json.WriteStartObject();
                        WritePool(json, portfolio, isolated, settlementDecimals);
                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WritePool(Utf8JsonWriter json, MarginPortfolio portfolio, PoolResult pool, int settlementDecimals)
    {
        var settlement = portfolio.Context.Settlement;
        string Settlement(Int128 units) => TokenAmounts.FormatUnits(units, settlementDecimals);

        var health = pool.Health;
        json.WriteString("id", pool.Id);
        json.WriteString("collateralValue", health.CollateralValue.ToString());
        json.WriteString("initHealth", health.InitHealth.ToString());
        json.WriteString("liquidationEndHealth", health.LiquidationEndHealth.ToString());
        json.WriteString("maintHealth", health.MaintHealth.ToString());
        if (health.HealthRatio is { } ratio)
        {
            json.WriteString("healthRatio", ratio.ToString());
        }
        else
        {
            json.WriteNull("healthRatio");
        }

        json.WriteBoolean("liquidatable", health.IsLiquidatable);
        json.WriteStartArray("plan");
        foreach (var action in pool.Plan?.Actions ?? [])
        {
            json.WriteStartObject();
            switch (action)
            {
                case ReducePosition reduce:
                    json.WriteString("kind", "reducePosition");
                    json.WriteString("market", reduce.Market);
                    json.WriteString("amount", reduce.SizeClosed.ToString());
                    json.WriteString("price", reduce.Price.ToString());
                    json.WriteString("realized", Settlement(reduce.RealizedUnits));
                    break;
                case SeizeCollateral seize:
                    var decimals = portfolio.Context.CollateralFor(seize.Collateral).Decimals;
                    json.WriteString("kind", "seizeCollateral");
                    json.WriteString("chain", seize.Collateral.Chain.Name);
                    json.WriteString("asset", seize.Collateral.Asset);
                    json.WriteString("amount", TokenAmounts.FormatUnits(seize.Units, decimals));
                    json.WriteString("price", seize.Price.ToString());
                    json.WriteString("value", Settlement(seize.ValueUnits));
                    json.WriteString("credit", Settlement(seize.CreditUnits));
                    break;
                default:
                    throw new InvalidOperationException($"The calculator cannot render a {action.GetType().Name}.");
            }

            json.WriteString("liquidatorFee", Settlement(action.LiquidatorFeeUnits));
            json.WriteString("insuranceFee", Settlement(action.InsuranceFeeUnits));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (pool.Plan?.Bankruptcy is { } bankruptcy)
        {
            json.WriteStartObject("bankruptcy");
            json.WriteString("chain", settlement.Chain.Name);
            json.WriteString("asset", settlement.Asset);
            json.WriteString("loss", Settlement(bankruptcy.LossUnits));
            json.WriteString("insuranceFund", Settlement(bankruptcy.InsuranceUnits));
            json.WriteStartArray("socialized");
            foreach (var loss in bankruptcy.Socialized)
            {
                json.WriteStartObject();
                json.WriteString("account", loss.AccountId);
                json.WriteString("market", loss.Market);
                json.WriteString("amount", Settlement(loss.Units));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("unallocated", Settlement(bankruptcy.UnallocatedUnits));
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("bankruptcy");
        }
    }
}
