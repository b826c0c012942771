using System.Net;
using System.Text.Json;

namespace Clearing.Server.Tests.Api;

/// <summary>The account view's maximum withdrawable is exactly what a withdrawal may take: one base unit more is refused.</summary>
public sealed class MaxWithdrawableTests(ApiTestServer server) : IClassFixture<ApiTestServer>
{
    [Fact]
    public async Task Max_withdrawable_is_the_initial_health_left_and_one_unit_more_is_refused()
    {
        await server.DepositUsdcAsync("a11", 1_000, "0xmax-a11");
        using var trade = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a11/trades",
            """{"market":"ETH-PERP","sizeDelta":"1","price":"2000"}""", idempotencyKey: "trade-max-a11"));
        Assert.Equal(HttpStatusCode.Created, trade.StatusCode);

        var (available, maxWithdrawable, initialHealth) = await ReadUsdcAsync();
        // 1 ETH-PERP at 2,000 USD with a 10 % initial ratio needs 200 USD: 800 of the 1,000 USDC may leave.
        Assert.Equal("1000000000", available);
        Assert.Equal("800", initialHealth);
        Assert.Equal("800000000", maxWithdrawable);

        using var tooMuch = await WithdrawAsync("800000001", "max-plus-one");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooMuch.StatusCode);
        using var exactly = await WithdrawAsync("800000000", "max-exactly");
        Assert.Equal(HttpStatusCode.Created, exactly.StatusCode);

        var (_, maxAfter, _) = await ReadUsdcAsync();
        Assert.Equal("0", maxAfter);
    }

    private async Task<(string Available, string MaxWithdrawable, string InitialHealth)> ReadUsdcAsync()
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a11"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var account = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var usdc = account.GetProperty("balances").EnumerateArray().Single(b => b.GetProperty("asset").GetString() == "USDC");
        return (usdc.GetProperty("available").GetString()!, usdc.GetProperty("maxWithdrawable").GetString()!,
            account.GetProperty("health").GetProperty("initial").GetString()!);
    }

    private Task<HttpResponseMessage> WithdrawAsync(string units, string key) =>
        server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a11/withdrawals",
            $$"""{"chain":"evm-1","asset":"USDC","units":"{{units}}","destination":"0xdest"}""", idempotencyKey: key));
}
