using System.Text.Json.Nodes;
using Clearing.Server.Cli;

namespace Clearing.Server.Tests.Margin;

public sealed class MarginCommandTests
{
    /// <summary>The portfolio of issue 3's "The calculator" section, verbatim.</summary>
    private const string IssueExample = """
        {"assets":[{"symbol":"USDC","decimals":6,"price":"1","confidence":"0"},{"symbol":"SOL","decimals":9,"price":"100","confidence":"0"}],
         "collateral":[{"chain":"solana","asset":"SOL","initWeight":"0.8","maintWeight":"0.9","initLiabilityWeight":"1.2","maintLiabilityWeight":"1.1"},
                       {"chain":"ethereum","asset":"USDC","initWeight":"1","maintWeight":"1","initLiabilityWeight":"1","maintLiabilityWeight":"1"}],
         "markets":[{"symbol":"BTC-PERP","markPrice":"60000","initialMarginRatio":"0.1","maintenanceMarginRatio":"0.05"}],
         "accounts":[{"id":"alice","balances":[{"chain":"solana","asset":"SOL","amount":"10"},{"chain":"ethereum","asset":"USDC","amount":"-500"}],
                      "positions":[{"market":"BTC-PERP","size":"0.01","entryPrice":"59000"}]}]}
        """;

    [Fact]
    public void Issue_example_prints_the_hand_computed_health()
    {
        // By hand: collateral 10 SOL × 100 = 1000 USD. BTC long 0.01 from 59000 at 60000: PnL +10,
        // notional 600, requirement init 600 × 0.1 = 60, maint 600 × 0.05 = 30, liquidation-end (60 + 30) / 2 = 45.
        // init           = 1000 × 0.8  − 500 × 1 + 10 − 60 = 250
        // liquidation-end = 1000 × 0.85 − 500     + 10 − 45 = 315   (weights halfway between init and maint)
        // maint          = 1000 × 0.9  − 500     + 10 − 30 = 380
        // healthRatio (Mango's, maint, percent) = (900 − 520) × 100 / 520 = 73.076923076923076923… (rounded down):
        // liabilities are the 500 USDC and the position's net −20.
        var (exit, stdout, stderr) = Run(IssueExample);

        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        var alice = JsonNode.Parse(stdout)!["accounts"]!.AsArray().Single()!;
        Assert.Equal("alice", (string?)alice["id"]);
        Assert.Equal("1000", (string?)alice["collateralValue"]);
        Assert.Equal("250", (string?)alice["initHealth"]);
        Assert.Equal("315", (string?)alice["liquidationEndHealth"]);
        Assert.Equal("380", (string?)alice["maintHealth"]);
        Assert.Equal("73.076923076923076923", (string?)alice["healthRatio"]);
        Assert.False((bool)alice["liquidatable"]!);
        Assert.Empty(alice["plan"]!.AsArray());
    }

    [Fact]
    public void An_underwater_account_gets_a_plan_addressed_to_the_chain_holding_the_collateral()
    {
        // SOL at 50: maint = 500 × 0.9 − 500 + 10 − 30 = −70, liquidatable. Liquidation-end = 425 − 500 + 10 − 45 = −110.
        // Plan: close the BTC position (realizes +10 into USDC: −490, removes the 45 requirement) → liquidation-end
        // 425 − 490 = −65; then each SOL seized at 50 (no fees) repays 50 of debt and removes 42.5 of weighted
        // collateral: +7.5 per SOL, so at least 65 / 7.5 = 8.666666666… SOL. The planner rounds the seizure up
        // (credits round down to USDC's 6 decimals, against the account), so the figure is a hair above that.
        var (exit, stdout, _) = Run(IssueExample.Replace("\"price\":\"100\"", "\"price\":\"50\"", StringComparison.Ordinal));

        Assert.Equal(0, exit);
        var alice = JsonNode.Parse(stdout)!["accounts"]![0]!;
        Assert.Equal("-70", (string?)alice["maintHealth"]);
        Assert.True((bool)alice["liquidatable"]!);
        var plan = alice["plan"]!.AsArray();
        Assert.Equal(2, plan.Count);
        Assert.Equal("reducePosition", (string?)plan[0]!["kind"]);
        Assert.Equal("BTC-PERP", (string?)plan[0]!["market"]);
        Assert.Equal("0.01", (string?)plan[0]!["amount"]);
        Assert.Equal("seizeCollateral", (string?)plan[1]!["kind"]);
        Assert.Equal("solana", (string?)plan[1]!["chain"]);
        Assert.Equal("SOL", (string?)plan[1]!["asset"]);
        var seized = decimal.Parse((string)plan[1]!["amount"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seized, 8.666666667m, 8.6667m);
        Assert.Equal("0", (string?)plan[1]!["liquidatorFee"]);
    }

    [Fact]
    public void Optional_model_fields_at_their_documented_defaults_change_nothing()
    {
        var explicitDefaults = IssueExample
            .Replace("\"maintenanceMarginRatio\":\"0.05\"}", "\"maintenanceMarginRatio\":\"0.05\",\"imfFactor\":0,\"fundingIndex\":\"0\",\"markConfidence\":\"0\"}", StringComparison.Ordinal)
            .Replace("\"maintLiabilityWeight\":\"1.1\"}", "\"maintLiabilityWeight\":\"1.1\",\"mayGoNegative\":false}", StringComparison.Ordinal)
            .Replace("\"entryPrice\":\"59000\"}", "\"entryPrice\":\"59000\",\"lastFundingIndex\":\"0\"}", StringComparison.Ordinal)
            .Replace("{\"assets\":", "{\"now\":0,\"settlement\":{\"chain\":\"ethereum\",\"asset\":\"USDC\"},\"chainHaircuts\":[{\"chain\":\"solana\",\"multiplier\":\"1\"}],\"isolated\":[],\"assets\":", StringComparison.Ordinal);
        Assert.NotEqual(IssueExample, explicitDefaults);

        var (exit, stdout, stderr) = Run(explicitDefaults);

        Assert.True(exit == 0, stderr);
        Assert.Equal(Run(IssueExample).Stdout, stdout);
    }

    [Fact]
    public void Optional_fields_raise_requirements_when_set()
    {
        // A chain haircut of 0.5 on solana halves the SOL contribution: maint = 450 − 500 + 10 − 30 = −70.
        var withHaircut = IssueExample.Replace("{\"assets\":", "{\"chainHaircuts\":[{\"chain\":\"solana\",\"multiplier\":\"0.5\"}],\"assets\":", StringComparison.Ordinal);

        var (exit, stdout, _) = Run(withHaircut);

        Assert.Equal(0, exit);
        Assert.Equal("-70", (string?)JsonNode.Parse(stdout)!["accounts"]![0]!["maintHealth"]);
    }

    [Theory]
    // Drift size premium: 0.01 BTC = 10^7 in 1e-9 units, sqrt(10^8 + 1) = 10000, premium = 0.08 + 10000 × 10^6 / 10^7 in 1e-4
    // = 800 + 1000 → 0.18 initial ratio: requirement 108, init = 250 + 60 − 108 = 202.
    [InlineData("\"imfFactor\":1000000", "202")]
    // Tiers: from 0 the rates 0.2 / 0.1 → init requirement 120: init = 250 + 60 − 120 = 190.
    [InlineData("\"tiers\":[{\"lowerBound\":\"0\",\"initialRate\":\"0.2\",\"maintenanceRate\":\"0.1\"}]", "190")]
    // Volatility: k 2 × sqrt(0.01 × 4) = 0.4 initial ratio → requirement 240: init = 250 + 60 − 240 = 70.
    [InlineData("\"volatility\":{\"k\":\"2\",\"horizonPeriods\":\"4\",\"maintenanceFraction\":\"0.5\",\"variance\":\"0.01\"}", "70")]
    // Funding: the index rose by 100 since the position's last settlement (0): a long owes 0.01 × 100 = 1.
    [InlineData("\"fundingIndex\":\"100\"", "249")]
    public void Optional_market_fields_raise_the_requirement_by_the_hand_computed_amount(string marketField, string expectedInitHealth)
    {
        var portfolio = IssueExample.Replace(
            "\"maintenanceMarginRatio\":\"0.05\"}", "\"maintenanceMarginRatio\":\"0.05\"," + marketField + "}", StringComparison.Ordinal);
        Assert.NotEqual(IssueExample, portfolio);

        var (exit, stdout, stderr) = Run(portfolio);

        Assert.True(exit == 0, stderr);
        Assert.Equal(expectedInitHealth, (string?)JsonNode.Parse(stdout)!["accounts"]![0]!["initHealth"]);
    }

    [Fact]
    public void A_pending_deposit_is_worth_nothing()
    {
        var portfolio = IssueExample.Replace(
            "\"positions\":[{\"market\"",
            "\"pendingDeposits\":[{\"chain\":\"solana\",\"asset\":\"SOL\",\"amount\":\"1000\",\"txId\":\"5xyz\"}],\"positions\":[{\"market\"",
            StringComparison.Ordinal);

        var (exit, stdout, stderr) = Run(portfolio);

        Assert.True(exit == 0, stderr);
        Assert.Equal("250", (string?)JsonNode.Parse(stdout)!["accounts"]![0]!["initHealth"]);
        Assert.Equal("1000", (string?)JsonNode.Parse(stdout)!["accounts"]![0]!["collateralValue"]);
    }

    [Fact]
    public void An_isolated_sub_account_is_valued_and_liquidated_alone()
    {
        var withIsolated = IssueExample.Replace(
            "\"positions\":[{\"market\":\"BTC-PERP\",\"size\":\"0.01\",\"entryPrice\":\"59000\"}]}",
            "\"positions\":[{\"market\":\"BTC-PERP\",\"size\":\"0.01\",\"entryPrice\":\"59000\"}],"
            + "\"isolated\":[{\"id\":\"degen\",\"balances\":[{\"chain\":\"ethereum\",\"asset\":\"USDC\",\"amount\":\"10\"}],"
            + "\"positions\":[{\"market\":\"BTC-PERP\",\"size\":\"-0.01\",\"entryPrice\":\"55000\"}]}]}",
            StringComparison.Ordinal);

        var (exit, stdout, stderr) = Run(withIsolated);

        Assert.True(exit == 0, stderr);
        var alice = JsonNode.Parse(stdout)!["accounts"]![0]!;
        // The cross pool is unchanged; the isolated short from 55000 at 60000 lost 50 against 10 USDC:
        // maint = 10 − 50 − 30 = −70, and only it gets a plan.
        Assert.Equal("380", (string?)alice["maintHealth"]);
        Assert.Empty(alice["plan"]!.AsArray());
        var degen = alice["isolated"]![0]!;
        Assert.Equal("degen", (string?)degen["id"]);
        Assert.Equal("-70", (string?)degen["maintHealth"]);
        Assert.True((bool)degen["liquidatable"]!);
        Assert.NotEmpty(degen["plan"]!.AsArray());
    }

    [Theory]
    [InlineData("\"asset\":\"SOL\",\"initWeight\"", "\"asset\":\"DOGE\",\"initWeight\"", "$.collateral[0].asset", "unknown asset DOGE")]
    [InlineData("{\"chain\":\"solana\",\"asset\":\"SOL\",\"amount\":\"10\"}", "{\"chain\":\"arbitrum\",\"asset\":\"SOL\",\"amount\":\"10\"}", "$.accounts[0].balances[0]", "unknown collateral arbitrum:SOL")]
    [InlineData("\"amount\":\"10\"", "\"amount\":\"10,5\"", "$.accounts[0].balances[0].amount", "malformed SOL amount")]
    [InlineData("\"amount\":\"10\"", "\"amount\":\"0.0000000001\"", "$.accounts[0].balances[0].amount", "more than 9 decimal places")]
    [InlineData("\"markPrice\":\"60000\"", "\"markPrice\":60000", "$.markets[0].markPrice", "not a JSON number")]
    [InlineData("\"price\":\"100\"", "\"price\":\"1e2\"", "$.assets[1].price", "malformed number")]
    [InlineData("\"entryPrice\":\"59000\"", "\"entry\":\"59000\"", "$.accounts[0].positions[0].entryPrice", "missing field")]
    [InlineData("\"market\":\"BTC-PERP\",\"size\"", "\"market\":\"ETH-PERP\",\"size\"", "$.accounts[0].positions[0].market", "unknown market ETH-PERP")]
    [InlineData("\"initWeight\":\"0.8\",\"maintWeight\":\"0.9\"", "\"initWeight\":\"0.95\",\"maintWeight\":\"0.9\"", "$.collateral[0]", "exceeds maintenance asset weight")]
    [InlineData("\"amount\":\"10\"", "\"amount\":\"-10\"", "$.accounts[0].balances[0].amount", "may not be negative")]
    [InlineData("\"accounts\":[", "\"accounts\":[,", "$ (line", "not valid JSON")]
    public void Bad_input_names_what_and_where_exits_non_zero_and_prints_no_result(string find, string replace, string path, string problem)
    {
        var broken = IssueExample.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(IssueExample, broken);

        var (exit, stdout, stderr) = Run(broken);

        Assert.Equal(MarginCommand.InvalidInput, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: " + path, stderr, StringComparison.Ordinal);
        Assert.Contains(problem, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_exits_non_zero_with_its_name()
    {
        var missing = new FileInfo(Path.Combine(Path.GetTempPath(), $"no-such-portfolio-{Guid.NewGuid():N}.json"));
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = MarginCommand.Execute(missing, stdout, stderr);

        Assert.Equal(MarginCommand.UnreadableFile, exit);
        Assert.Equal("", stdout.ToString());
        Assert.Contains(missing.Name, stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_margin_verb_is_registered_on_the_clearing_command_line()
    {
        Assert.Contains(ClearingCli.Build().Subcommands, c => c.Name == "margin");
    }

    private static (int Exit, string Stdout, string Stderr) Run(string portfolio)
    {
        var file = Path.Combine(Path.GetTempPath(), $"portfolio-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, portfolio);
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = MarginCommand.Execute(new FileInfo(file), stdout, stderr);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
