using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Events;

namespace Clearing.Server.Tests.Api;

/// <summary>
/// Liquidations through the API on real PostgreSQL with the real netting, router and insurance grains: an operator's
/// proposal for a healthy account is refused with the reason; after the mark falls it starts, shows on the account's
/// liquidations and its event stream; the operator's risk book and insurance fund views.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class LiquidationApiOnPostgresTests(PostgresApiTestServer fixture) : IClassFixture<PostgresApiTestServer>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly ApiTestServer server = fixture.Api;

    [Fact]
    public async Task Operator_proposal_is_refused_while_healthy_and_starts_once_the_mark_falls()
    {
        // 1,000 USDC, long 4 ETH-PERP at 2,000: maintenance health 1,000 − 400 = 600.
        await server.DepositUsdcAsync("a1", 1_000, "0xliq-a1");
        using var trade = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a1/trades", """{"market":"ETH-PERP","sizeDelta":"4","price":"2000"}""", idempotencyKey: "liq-trade-a1"));
        Assert.Equal(HttpStatusCode.Created, trade.StatusCode);

        using var healthy = await Propose("a1", "liq-healthy");
        using var healthyAgain = await Propose("a1", "liq-healthy");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, healthy.StatusCode);
        var refusal = JsonDocument.Parse(await healthy.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("urn:clearing:problem:liquidation-not-started", refusal.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(refusal.GetProperty("detail").GetString()));
        Assert.Equal("true", healthyAgain.Headers.GetValues("Idempotent-Replayed").Single());

        var stream = await server.OpenEventStreamAsync(server.Member1, "/v1/accounts/a1/events");
        await using (stream)
        {
            // Mark 1,800: PnL −800, equity 200, maintenance requirement 360 → maintenance health −160: liquidatable.
            fixture.Risk.Current = ApiTestServer.Risk with
            {
                MarketStates = ImmutableDictionary<string, PerpMarketState>.Empty.Add(ApiTestServer.Market, PerpMarketState.AtPrice(Fixed.FromInt(1800))),
            };
            using var started = await Propose("a1", "liq-falling");

            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var proposal = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement;
            var liquidationId = proposal.GetProperty("liquidationId").GetString()!;
            Assert.Equal("operator:ops", proposal.GetProperty("proposedBy").GetString());

            var planned = await stream.ReadUntilAsync(f => f.Event == AccountEventKinds.LiquidationPlanned, Deadline);
            Assert.Equal(liquidationId, JsonDocument.Parse(planned[^1].Data!).RootElement.GetProperty("data").GetProperty("liquidationId").GetString());

            using var list = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1/liquidations"));
            Assert.Equal(HttpStatusCode.OK, list.StatusCode);
            var liquidation = Assert.Single(JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToArray());
            Assert.Equal(liquidationId, liquidation.GetProperty("liquidationId").GetString());
            Assert.StartsWith("-", liquidation.GetProperty("maintHealthBefore").GetString(), StringComparison.Ordinal);
            Assert.NotEmpty(liquidation.GetProperty("steps").EnumerateArray());
        }
    }

    [Fact]
    public async Task Operator_reads_the_risk_book_and_the_insurance_fund()
    {
        await server.DepositUsdcAsync("a2", 100, "0xliq-a2");

        using var risk = await server.Http.SendAsync(server.Signed(server.Operator, HttpMethod.Get, "/v1/operator/risk"));
        using var insurance = await server.Http.SendAsync(server.Signed(server.Operator, HttpMethod.Get, "/v1/operator/insurance"));

        Assert.Equal(HttpStatusCode.OK, risk.StatusCode);
        var stats = JsonDocument.Parse(await risk.Content.ReadAsStringAsync()).RootElement;
        // The deposit above committed a2 with a balance: the book holds at least that account.
        Assert.True(stats.GetProperty("accounts").GetInt32() >= 1, stats.ToString());
        Assert.Equal(JsonValueKind.Object, stats.GetProperty("healthBuckets").ValueKind);
        Assert.Equal(HttpStatusCode.OK, insurance.StatusCode);
        var fund = JsonDocument.Parse(await insurance.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(JsonValueKind.Array, fund.GetProperty("balances").ValueKind);
        Assert.Equal(JsonValueKind.String, fund.GetProperty("lossesAbsorbedUsd").ValueKind);
    }

    private Task<HttpResponseMessage> Propose(string account, string key) =>
        server.Http.SendAsync(server.Signed(server.Operator, HttpMethod.Post, $"/v1/operator/accounts/{account}/liquidations", """{"reason":"mark fell; operator check"}""", idempotencyKey: key));
}
