using System.Net;
using System.Text;
using System.Text.Json;
using Clearing.Server.Api;

namespace Clearing.Server.Tests.Api;

/// <summary>HMAC request signing on the real server: what passes, and each way a request is refused with 401 / 403.</summary>
public sealed class RequestSigningTests(ApiTestServer server) : IClassFixture<ApiTestServer>
{
    [Fact]
    public async Task Correctly_signed_request_reads_the_members_own_account()
    {
        await server.DepositUsdcAsync("a1", 1_000, "0xsign-a1");

        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var account = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("a1", account.GetProperty("id").GetString());
        var balance = account.GetProperty("balances").EnumerateArray().Single();
        Assert.Equal(("evm-1", "USDC", "1000000000", "0", "0"), (
            balance.GetProperty("chain").GetString(), balance.GetProperty("asset").GetString(), balance.GetProperty("available").GetString(),
            balance.GetProperty("reserved").GetString(), balance.GetProperty("pending").GetString()));
        var health = account.GetProperty("health");
        Assert.Equal("1000", health.GetProperty("initial").GetString());
        Assert.Equal("1000", health.GetProperty("maintenance").GetString());
        Assert.Equal("1000", health.GetProperty("freeCollateral").GetString());
        Assert.False(health.GetProperty("liquidatable").GetBoolean());
    }

    [Theory]
    [InlineData("body")]
    [InlineData("path")]
    [InlineData("method")]
    [InlineData("timestamp")]
    public async Task Request_differing_from_what_was_signed_is_refused_without_effect(string tampered)
    {
        const string body = """{"market":"ETH-PERP","sizeDelta":"0.1","price":"2000"}""";
        await server.DepositUsdcAsync("a2", 1_000, "0xsign-a2-" + tampered);
        var now = server.Clock.GetUtcNow().ToUnixTimeSeconds();
        var signedAs = tampered switch
        {
            "body" => new SignedAs { SignedBody = body.Replace("0.1", "9", StringComparison.Ordinal) },
            "path" => new SignedAs { SignedPath = "/v1/accounts/a3/trades" },
            "method" => new SignedAs { SignedMethod = HttpMethod.Put },
            _ => new SignedAs { SignedTimestamp = (now - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) },
        } with { Timestamp = now, Nonce = "tamper-" + tampered };

        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a2/trades", body, signedAs, "trade-" + tampered));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadAsStringAsync();
        Assert.Contains(RequestSignature.SignatureHeader + " does not match", problem, StringComparison.Ordinal);
        var expected = RequestSignature.ComputeHex(Encoding.UTF8.GetBytes(server.Member1.Secret), now.ToString(System.Globalization.CultureInfo.InvariantCulture), "tamper-" + tampered, "POST", "/v1/accounts/a2/trades", Encoding.UTF8.GetBytes(body));
        Assert.DoesNotContain(expected[..16], problem, StringComparison.Ordinal);
        Assert.Empty((await server.Account("a2").GetSnapshotAsync()).Positions);
    }

    [Theory]
    [InlineData(-31, HttpStatusCode.Unauthorized)]
    [InlineData(31, HttpStatusCode.Unauthorized)]
    [InlineData(-3600, HttpStatusCode.Unauthorized)]
    [InlineData(-30, HttpStatusCode.OK)]
    [InlineData(30, HttpStatusCode.OK)]
    [InlineData(0, HttpStatusCode.OK)]
    public async Task Timestamp_is_accepted_only_within_30_seconds_of_the_server_clock(long offsetSeconds, HttpStatusCode expected)
    {
        var timestamp = server.Clock.GetUtcNow().ToUnixTimeSeconds() + offsetSeconds;

        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: new SignedAs { Timestamp = timestamp }));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Contains("from the server clock", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Replayed_nonce_is_refused_inside_the_window()
    {
        var first = server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: new SignedAs { Nonce = "nonce-replay-1" });
        var replay = server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: new SignedAs { Nonce = "nonce-replay-1" });

        using var firstResponse = await server.Http.SendAsync(first);
        using var replayResponse = await server.Http.SendAsync(replay);

        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayResponse.StatusCode);
        Assert.Contains("replay", await replayResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_is_counted_by_reason_for_operators()
    {
        var reasons = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "clearing.api.requests.rejected")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                reasons.Add((string)tag.Value!);
            }
        });
        listener.Start();

        using var first = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: new SignedAs { Nonce = "nonce-metric-1" }));
        using var replay = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: new SignedAs { Nonce = "nonce-metric-1" }));

        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("replay", reasons);
    }

    [Theory]
    [InlineData("/V1/accounts/a1")]
    [InlineData("/v1/ACCOUNTS/a1")]
    public async Task Unsigned_request_is_refused_whatever_the_case_of_the_path(string path)
    {
        using var response = await server.Http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Forged_request_does_not_burn_the_nonce_of_a_later_genuine_one()
    {
        var forged = server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: new SignedAs { Nonce = "nonce-forged-1", SignedPath = "/v1/accounts/a9" });
        var genuine = server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: new SignedAs { Nonce = "nonce-forged-1" });

        using var forgedResponse = await server.Http.SendAsync(forged);
        using var genuineResponse = await server.Http.SendAsync(genuine);

        Assert.Equal(HttpStatusCode.Unauthorized, forgedResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, genuineResponse.StatusCode);
    }

    [Theory]
    [InlineData(RequestSignature.KeyHeader)]
    [InlineData(RequestSignature.TimestampHeader)]
    [InlineData(RequestSignature.NonceHeader)]
    [InlineData(RequestSignature.SignatureHeader)]
    public async Task Missing_signing_header_is_named_in_the_401(string header)
    {
        var request = server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1");
        request.Headers.Remove(header);

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains($"Header {header} is missing", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_key_id_is_refused()
    {
        using var response = await server.Http.SendAsync(server.Signed(new ApiKey("nobody", "nobody-secret-0123456789"), HttpMethod.Get, "/v1/accounts/a1"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("is not known", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Member_may_not_read_another_members_account()
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Member2, HttpMethod.Get, "/v1/accounts/a1"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("not one of member m2's accounts", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Member_may_not_withdraw_from_another_members_account()
    {
        await server.DepositUsdcAsync("a4", 1_000, "0xsign-a4");

        using var response = await server.Http.SendAsync(server.Signed(server.Member2, HttpMethod.Post, "/v1/accounts/a4/withdrawals",
            """{"chain":"evm-1","asset":"USDC","units":"1000000","destination":"0xthief"}""", idempotencyKey: "steal-1"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty((await server.Account("a4").GetSnapshotAsync()).Reservations);
    }

    [Fact]
    public async Task Operator_endpoint_needs_an_operator_credential()
    {
        using var asMember = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/members"));
        using var asOperator = await server.Http.SendAsync(server.Signed(server.Operator, HttpMethod.Get, "/v1/members"));

        Assert.Equal(HttpStatusCode.Forbidden, asMember.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asOperator.StatusCode);
        var members = await asOperator.Content.ReadAsStringAsync();
        Assert.Contains("\"keyId\":\"m2-key\"", members, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", members, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Unsigned_request_for_the_openapi_document_lists_every_endpoint()
    {
        using var response = await server.Http.GetAsync(new Uri("/openapi.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("3.0.3", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/v1/accounts/{id}").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/v1/accounts/{id}/withdrawals").TryGetProperty("post", out var withdraw));
        Assert.True(paths.GetProperty("/v1/accounts/{id}/trades").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/v1/members").TryGetProperty("get", out _));
        Assert.Contains(withdraw.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == ApiEndpoints.IdempotencyKeyHeader);
        Assert.True(withdraw.GetProperty("responses").TryGetProperty("422", out _));
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty(nameof(AccountResponse), out _));
    }
}
