using System.Net;
using System.Text.Json;

namespace Clearing.Server.Tests.Api;

/// <summary>Money-moving POSTs: Idempotency-Key semantics, problem+json validation, and the grain's refusals as 422.</summary>
public sealed class IdempotencyAndValidationTests(ApiTestServer server) : IClassFixture<ApiTestServer>
{
    private const string Withdraw100 = """{"chain":"evm-1","asset":"USDC","units":"100000000","destination":"0xdest"}""";

    [Fact]
    public async Task Same_key_and_body_returns_the_first_response_and_moves_money_once()
    {
        await server.DepositUsdcAsync("a1", 1_000, "0xidem-a1");

        using var first = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a1/withdrawals", Withdraw100, idempotencyKey: "wd-same"));
        using var again = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a1/withdrawals", Withdraw100, idempotencyKey: "wd-same"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.Equal(firstBody, await again.Content.ReadAsStringAsync());
        Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        var withdrawal = JsonDocument.Parse(firstBody).RootElement;
        Assert.Equal("requested", withdrawal.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(withdrawal.GetProperty("decisionId").GetString()));

        var snapshot = await server.Account("a1").GetSnapshotAsync();
        Assert.Equal(100_000_000, (long)Assert.Single(snapshot.Reservations).Units);
        Assert.Equal(900_000_000, (long)Assert.Single(snapshot.Balances).Units);
    }

    [Fact]
    public async Task Same_key_with_a_different_body_is_422_and_changes_nothing()
    {
        await server.DepositUsdcAsync("a2", 1_000, "0xidem-a2");
        using var first = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a2/withdrawals", Withdraw100, idempotencyKey: "wd-other"));

        using var other = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a2/withdrawals",
            Withdraw100.Replace("100000000", "200000000", StringComparison.Ordinal), idempotencyKey: "wd-other"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("application/problem+json", other.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await other.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("urn:clearing:problem:idempotency-key-reused", problem.GetProperty("type").GetString());
        Assert.Equal(422, problem.GetProperty("status").GetInt32());
        Assert.Equal(100_000_000, (long)Assert.Single((await server.Account("a2").GetSnapshotAsync()).Reservations).Units);
    }

    [Fact]
    public async Task Missing_idempotency_key_is_400_and_changes_nothing()
    {
        await server.DepositUsdcAsync("a3", 1_000, "0xidem-a3");

        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a3/withdrawals", Withdraw100));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Idempotency-Key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty((await server.Account("a3").GetSnapshotAsync()).Reservations);
    }

    [Theory]
    [InlineData("{\"chain\":\"evm-1\",", "$")]
    [InlineData("[1,2]", "$")]
    [InlineData("""{"chain":"evm-1","asset":"USDC","units":100000000,"destination":"0xdest"}""", "units")]
    [InlineData("""{"chain":"evm-1","asset":"USDC","units":"-5","destination":"0xdest"}""", "units")]
    [InlineData("""{"chain":"evm-1","asset":"USDC","units":"1.5","destination":"0xdest"}""", "units")]
    [InlineData("""{"chain":"evm-1","asset":"USDC","units":"100"}""", "destination")]
    [InlineData("""{"asset":"USDC","units":"100","destination":"0xdest"}""", "chain")]
    public async Task Malformed_withdrawal_is_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        await server.DepositUsdcAsync("a4", 1_000, "0xidem-a4-" + field + body.Length);

        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a4/withdrawals", body, idempotencyKey: "bad-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("urn:clearing:problem:validation", problem.GetProperty("type").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
        Assert.Empty((await server.Account("a4").GetSnapshotAsync()).Reservations);
    }

    [Fact]
    public async Task Malformed_key_then_valid_request_with_the_same_key_executes_once()
    {
        await server.DepositUsdcAsync("a5", 1_000, "0xidem-a5");

        using var bad = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a5/withdrawals", "{not json", idempotencyKey: "wd-retry"));
        using var good = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a5/withdrawals", Withdraw100, idempotencyKey: "wd-retry"));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);
    }

    [Fact]
    public async Task Withdrawal_breaking_initial_health_is_422_with_the_reason_and_replays_the_same_refusal()
    {
        // 1,000 USDC and a 4 ETH-PERP long at 2,000: 8,000 notional × 10 % = 800 USD initial requirement, initial health 200.
        await server.DepositUsdcAsync("a6", 1_000, "0xidem-a6");
        using var trade = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a6/trades",
            """{"market":"ETH-PERP","sizeDelta":"4","price":"2000"}""", idempotencyKey: "trade-a6"));
        Assert.Equal(HttpStatusCode.Created, trade.StatusCode);
        Assert.Equal("200", JsonDocument.Parse(await trade.Content.ReadAsStringAsync()).RootElement.GetProperty("initialHealthAfter").GetString());

        const string withdraw500 = """{"chain":"evm-1","asset":"USDC","units":"500000000","destination":"0xdest"}""";
        using var refused = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a6/withdrawals", withdraw500, idempotencyKey: "wd-a6"));
        await server.DepositUsdcAsync("a6", 10_000, "0xidem-a6-topup");
        using var replayed = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a6/withdrawals", withdraw500, idempotencyKey: "wd-a6"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var body = await refused.Content.ReadAsStringAsync();
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("urn:clearing:problem:withdrawal-refused", problem.GetProperty("type").GetString());
        Assert.Equal("initial health would be -300 USD (< 0)", problem.GetProperty("detail").GetString());
        // The first answer stands even though the account could now afford it: a retry never turns into a new decision.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, replayed.StatusCode);
        Assert.Equal(body, await replayed.Content.ReadAsStringAsync());
        Assert.Empty((await server.Account("a6").GetSnapshotAsync()).Reservations);
    }

    [Fact]
    public async Task Trade_failing_the_pre_trade_check_is_422_with_the_reason_and_opens_nothing()
    {
        await server.DepositUsdcAsync("a7", 100, "0xidem-a7");

        // 1 ETH-PERP at 2,000 needs 200 USD initial margin; the account has 100.
        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a7/trades",
            """{"market":"ETH-PERP","sizeDelta":"1","price":"2000"}""", idempotencyKey: "trade-a7"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("urn:clearing:problem:trade-rejected", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Empty((await server.Account("a7").GetSnapshotAsync()).Positions);
    }

    [Fact]
    public async Task Account_view_shows_the_position_and_the_three_healths()
    {
        await server.DepositUsdcAsync("a8", 1_000, "0xidem-a8");
        using var trade = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a8/trades",
            """{"market":"ETH-PERP","sizeDelta":"-2","price":"2000"}""", idempotencyKey: "trade-a8"));

        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a8"));

        Assert.Equal(HttpStatusCode.Created, trade.StatusCode);
        var account = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var position = Assert.Single(account.GetProperty("positions").EnumerateArray().ToArray());
        Assert.Equal(("ETH-PERP", "-2"), (position.GetProperty("market").GetString(), position.GetProperty("size").GetString()));
        // 4,000 notional: initial 10 % = 400, maintenance 5 % = 200, against 1,000 USD collateral.
        var health = account.GetProperty("health");
        Assert.Equal("600", health.GetProperty("initial").GetString());
        Assert.Equal("800", health.GetProperty("maintenance").GetString());
        Assert.Equal("600", health.GetProperty("freeCollateral").GetString());
    }
    [Fact]
    public async Task Concurrent_retries_with_one_key_get_one_answer_and_one_effect()
    {
        await server.DepositUsdcAsync("a9", 1_000, "0xidem-a9");

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a9/withdrawals", Withdraw100, idempotencyKey: "wd-race"));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(responses.Select(r => r.Body).Distinct());
        Assert.Equal(100_000_000, (long)Assert.Single((await server.Account("a9").GetSnapshotAsync()).Reservations).Units);
    }
    [Theory]
    [InlineData("""{"market":"ETH-PERP","sizeDelta":"0","price":"2000"}""", "sizeDelta")]
    [InlineData("""{"market":"ETH-PERP","sizeDelta":"one","price":"2000"}""", "sizeDelta")]
    [InlineData("""{"market":"ETH-PERP","sizeDelta":"1","price":"-1"}""", "price")]
    [InlineData("""{"sizeDelta":"1","price":"2000"}""", "market")]
    public async Task Malformed_trade_is_400_naming_the_field_and_opens_nothing(string body, string field)
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a5/trades", body, idempotencyKey: "bad-trade-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").TryGetProperty(field, out _));
        Assert.Empty((await server.Account("a5").GetSnapshotAsync()).Positions);
    }

    [Fact]
    public async Task Key_used_for_a_withdrawal_cannot_be_reused_for_a_trade()
    {
        await server.DepositUsdcAsync("a10", 1_000, "0xidem-a10");
        using var withdrawal = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a10/withdrawals", Withdraw100, idempotencyKey: "shared-key"));

        using var trade = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a10/trades",
            """{"market":"ETH-PERP","sizeDelta":"0.1","price":"2000"}""", idempotencyKey: "shared-key"));

        Assert.Equal(HttpStatusCode.Created, withdrawal.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, trade.StatusCode);
        Assert.Empty((await server.Account("a10").GetSnapshotAsync()).Positions);
    }
}
