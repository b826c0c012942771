using System.Net;
using System.Numerics;
using System.Text.Json;
using Clearing.Actors.Hosting;
using Clearing.Chains;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.IntegrationTests.Evm;
using Clearing.Server.Oracles;
using Clearing.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// <c>Clearing:Oracles</c> in `clearing serve` with the operator feed as ETH's only source: the operator's price moves the
/// health the account view reports; the endpoint is operator-only and refuses malformed input with problem+json.
/// </summary>
public sealed class ServeOperatorPriceTests : IAsyncLifetime
{
    private readonly ServeFolder folder = new();
    private ServeHost serve = null!;

    public async Task InitializeAsync()
    {
        var config = folder.WriteConfig(new Dictionary<string, object>(), oracles: ServeFolder.OperatorPricedOracles("ETH"));
        serve = await ServeHost.StartAsync(config);
        await ServeOracleChecks.CreditOneEthAsync(serve);
    }

    [Fact]
    public async Task An_operator_price_moves_the_health_of_the_account_view()
    {
        // No operator price yet: the oracle has never been live, so the risk file's 2,000 USD stays.
        var before = await ServeOracleChecks.CollateralValueAsync(serve);

        var (status, answer) = await ServeOracleChecks.PostPriceAsync(serve, """{"price":"1000","confidence":"0"}""");

        Assert.Equal((HttpStatusCode.OK, "live", "1000"), (status, answer.GetProperty("status").GetString(), answer.GetProperty("price").GetString()));
        var after = await ServeOracleChecks.CollateralValueAsync(serve);
        Assert.True(before.IsPositive, $"collateral value before: {before}");
        Assert.Equal(before, after + after);
    }

    [Theory]
    [InlineData("""{"price":"-5"}""", "price")]
    [InlineData("""{"price":"abc"}""", "price")]
    [InlineData("""{"price":"10","confidence":"-1"}""", "confidence")]
    [InlineData("""{"price":"10","publishTime":"soon"}""", "publishTime")]
    [InlineData("""not json""", "$")]
    public async Task A_malformed_price_is_refused_with_the_field_named_and_changes_nothing(string body, string field)
    {
        var before = await ServeOracleChecks.CollateralValueAsync(serve);

        var (status, problem) = await ServeOracleChecks.PostPriceAsync(serve, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names '{field}': {problem}");
        Assert.Equal(before, await ServeOracleChecks.CollateralValueAsync(serve));
    }

    [Fact]
    public async Task Only_an_operator_sets_a_price_and_only_for_an_asset_with_an_operator_source()
    {
        using var asMember = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Post, "/v1/operator/prices/ETH", """{"price":"1"}""", "k-1"));
        var (unknownStatus, unknown) = await ServeOracleChecks.PostPriceAsync(serve, """{"price":"1"}""", "DOGE");

        Assert.Equal(HttpStatusCode.Forbidden, asMember.StatusCode);
        Assert.Equal("application/problem+json", asMember.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknownStatus);
        Assert.Equal("urn:clearing:problem:unknown-oracle-asset", unknown.GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_price_endpoints()
    {
        using var document = JsonDocument.Parse(await serve.Http.GetStringAsync(new Uri("/openapi.json", UriKind.Relative)));
        var paths = document.RootElement.GetProperty("paths");

        var set = paths.GetProperty("/v1/operator/prices/{asset}").GetProperty("post");
        var list = paths.GetProperty("/v1/operator/prices").GetProperty("get");

        Assert.Equal(("setOperatorPrice", "getOraclePrices"), (set.GetProperty("operationId").GetString(), list.GetProperty("operationId").GetString()));
        var assets = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("OraclePricesResponse").GetProperty("properties").GetProperty("assets");
        Assert.Equal("array", assets.GetProperty("type").GetString());
    }

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder);
}

/// <summary>
/// ETH priced by a Chainlink-style aggregator on anvil and the operator feed: sources that diverge beyond the threshold
/// freeze the price; the freeze is reported (operator endpoints, the risk configuration's frozen set) and valuation
/// stays on the last good price until the sources agree again.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class ServeFrozenPriceTests : IAsyncLifetime
{
    private static readonly AbiFunction SetAnswer = AbiFunction.Parse("setAnswer(int256 answer, uint256 updatedAt)");

    private readonly ServeFolder folder = new();
    private AnvilNode node = null!;
    private ServeHost serve = null!;

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        var contracts = new AnvilContracts(node);
        var (usdc, vault) = await contracts.DeployFundedVaultAsync(1);
        var feed = await contracts.DeployAsync("MockAggregator", "uint8,string", 8, "ETH / USD");
        await contracts.SendAsync(AnvilNode.DevAccount0, feed, SetAnswer.EncodeCall(new BigInteger(2_000_00000000), new BigInteger(DateTimeOffset.UtcNow.ToUnixTimeSeconds())));
        var config = folder.WriteConfig(
            await folder.AnvilChainAsync(node, vault, usdc, "USDC"),
            oracles: new
            {
                RefreshIntervalMs = "100",
                DivergenceThresholdBps = "200",
                Assets = new
                {
                    ETH = new
                    {
                        Sources = new Dictionary<string, object>
                        {
                            ["chainlink"] = new { Kind = "evm-aggregator", Chain = ServeFolder.Chain, Address = feed.ToChecksumString(), HeartbeatSeconds = "3600" },
                            ["desk"] = new { Kind = "operator", HeartbeatSeconds = "600" },
                        },
                    },
                },
            });
        serve = await ServeHost.StartAsync(config);
        await ServeOracleChecks.CreditOneEthAsync(serve);
    }

    [Fact]
    public async Task Diverging_sources_freeze_the_price_which_is_reported_and_valuation_stays_on_the_last_good_price()
    {
        var (_, agreeing) = await ServeOracleChecks.PostPriceAsync(serve, """{"price":"2000"}""");
        var live = await ServeOracleChecks.CollateralValueAsync(serve);

        var (status, frozen) = await ServeOracleChecks.PostPriceAsync(serve, """{"price":"1500"}""");

        Assert.Equal("live", agreeing.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("frozen", "2000", "1750"), (frozen.GetProperty("status").GetString(), frozen.GetProperty("price").GetString(), frozen.GetProperty("observedMedian").GetString()));
        Assert.Contains("ETH", serve.Services.GetRequiredService<OraclePriceBook>().Current.FrozenPrices);
        Assert.Equal(live, await ServeOracleChecks.CollateralValueAsync(serve));
        using (var listed = await serve.Http.SendAsync(ServeFolder.SignedAsOperator(HttpMethod.Get, "/v1/operator/prices")))
        {
            using var prices = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
            var eth = Assert.Single(prices.RootElement.GetProperty("assets").EnumerateArray());
            Assert.Equal(("ETH", "frozen"), (eth.GetProperty("asset").GetString(), eth.GetProperty("status").GetString()));
        }

        var (_, released) = await ServeOracleChecks.PostPriceAsync(serve, """{"price":"2010"}""");

        Assert.Equal("live", released.GetProperty("status").GetString());
        Assert.DoesNotContain("ETH", serve.Services.GetRequiredService<OraclePriceBook>().Current.FrozenPrices);
    }

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder, node: node);
}

/// <summary>What the oracle scenarios share: alice's ETH, her collateral value from the account view, an operator price POST.</summary>
internal static class ServeOracleChecks
{
    /// <summary>Credits alice 1 ETH on <see cref="ServeFolder.Chain"/> as a finalized deposit would.</summary>
    public static async Task CreditOneEthAsync(ServeHost serve)
    {
        var alice = serve.Services.GetRequiredService<ActorHost>().GrainFactory.GetGrain<IMarginAccountGrain>("alice");
        var oneEth = (Int128)1_000_000_000_000_000_000;
        var credit = await alice.CreditDepositAsync(new CreditDeposit(new DepositKey(ServeFolder.Chain, "0x" + new string('e', 64), 0), "ETH", oneEth, 1, "0x" + new string('b', 64), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
        Assert.Equal("account:alice", credit.CreditedTo);
    }

    public static async Task<Fixed> CollateralValueAsync(ServeHost serve)
    {
        using var response = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Get, "/v1/accounts/alice"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /v1/accounts/alice: {(int)response.StatusCode} {text}");
        using var view = JsonDocument.Parse(text);
        return Fixed.Parse(view.RootElement.GetProperty("health").GetProperty("collateralValue").GetString()!);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostPriceAsync(ServeHost serve, string body, string asset = "ETH")
    {
        using var response = await serve.Http.SendAsync(ServeFolder.SignedAsOperator(HttpMethod.Post, $"/v1/operator/prices/{asset}", body));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }
}
