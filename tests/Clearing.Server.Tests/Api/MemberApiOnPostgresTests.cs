using System.Net;
using System.Text.Json;
using Clearing.Actors.Hosting;
using Clearing.Grains.Events;
using Clearing.Persistence;
using Clearing.Persistence.Outbox;
using Clearing.Server.Api;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Server.Tests.Api;

/// <summary>
/// The member API on a real PostgreSQL server: signing, replay, idempotency, member scoping, withdrawals refused for
/// health or accepted and followed through their states, deposit instructions, and the event stream over SSE.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class MemberApiOnPostgresTests(PostgresApiTestServer fixture) : IClassFixture<PostgresApiTestServer>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly ApiTestServer server = fixture.Api;

    [Fact]
    public async Task Signed_request_reads_the_members_own_account_and_a_replayed_nonce_is_refused()
    {
        await server.DepositUsdcAsync("a1", 500, "0xpg-a1");
        var signedAs = new SignedAs { Nonce = "pg-replay-nonce" };

        using var first = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: signedAs));
        using var replay = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a1", signedAs: signedAs));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("500", JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("health").GetProperty("initial").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("replay", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/accounts/a1")]
    [InlineData("/v1/accounts/a1/events")]
    [InlineData("/v1/accounts/a1/withdrawals")]
    [InlineData("/v1/accounts/a1/withdrawals/withdraw:a1:k")]
    [InlineData("/v1/accounts/a1/deposit-instructions")]
    [InlineData("/v1/accounts/a1/liquidations")]
    public async Task Another_members_account_is_403_on_every_read(string path)
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Member2, HttpMethod.Get, path));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not one of member m2's accounts", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/v1/operator/risk")]
    [InlineData("GET", "/v1/operator/insurance")]
    [InlineData("POST", "/v1/operator/accounts/a1/liquidations")]
    public async Task Operator_endpoints_refuse_a_member_key(string method, string path)
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Member1, new HttpMethod(method), path, method == "POST" ? """{"reason":"test"}""" : "", idempotencyKey: "op-" + path.Length));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("needs an operator credential", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_idempotency_key_replays_the_first_answer_and_another_body_is_422()
    {
        await server.DepositUsdcAsync("a2", 1_000, "0xpg-a2");
        const string body = """{"chain":"evm-1","asset":"USDC","units":"100000000","destination":"0x00000000000000000000000000000000000000d1"}""";

        using var first = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a2/withdrawals", body, idempotencyKey: "pg-wd-a2"));
        using var again = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a2/withdrawals", body, idempotencyKey: "pg-wd-a2"));
        using var other = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a2/withdrawals", body.Replace("100000000", "1", StringComparison.Ordinal), idempotencyKey: "pg-wd-a2"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal(100_000_000, (long)Assert.Single((await server.Account("a2").GetSnapshotAsync()).Reservations).Units);
    }

    [Fact]
    public async Task Withdrawal_breaking_initial_health_is_refused_and_one_that_keeps_it_is_followed_to_confirmed()
    {
        // 1,000 USDC and 4 ETH-PERP at 2,000: 800 USD initial requirement, initial health 200.
        await server.DepositUsdcAsync("a3", 1_000, "0xpg-a3");
        using var trade = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, "/v1/accounts/a3/trades", """{"market":"ETH-PERP","sizeDelta":"4","price":"2000"}""", idempotencyKey: "pg-trade-a3"));
        Assert.Equal(HttpStatusCode.Created, trade.StatusCode);

        using var refused = await Withdraw("a3", 500, "pg-wd-a3-refused");
        using var accepted = await Withdraw("a3", 150, "pg-wd-a3");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("initial health would be -300 USD (< 0)", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var decisionId = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement.GetProperty("decisionId").GetString()!;
        Assert.Equal("withdraw:a3:pg-wd-a3", decisionId);

        var planned = await WithdrawalAsync("a3", decisionId);
        Assert.Equal(("planned", "pg-wd-a3", "150000000", false), (planned.GetProperty("status").GetString(), planned.GetProperty("id").GetString(), planned.GetProperty("units").GetString(), planned.GetProperty("settled").GetBoolean()));

        // The chain's executor: sign, broadcast, confirm (fenced by this host's lease), then settle the account.
        var outbox = new OutboxStore(server.Services.GetRequiredService<ClearingDatabase>());
        var epoch = server.Services.GetRequiredService<ActorHost>().Epoch!.Value;
        var action = (await outbox.FindByDecisionAsync(decisionId))!;
        await outbox.MarkSignedAsync(action.ActionId, new OutboxSigning(7, null, "0xsigned", "0xfeedbeef"), epoch, server.Clock.GetUtcNow());
        await outbox.MarkBroadcastAsync(action.ActionId, epoch, server.Clock.GetUtcNow());
        var executed = await WithdrawalAsync("a3", decisionId);
        await outbox.MarkConfirmedAsync(action.ActionId, epoch, server.Clock.GetUtcNow());
        var confirmed = await WithdrawalAsync("a3", decisionId);
        await server.Account("a3").SettleWithdrawalAsync(new Clearing.Grains.Accounts.SettleWithdrawal(decisionId, Paid: true));
        var settled = await WithdrawalAsync("a3", decisionId);

        Assert.Equal(("executed", "0xfeedbeef"), (executed.GetProperty("status").GetString(), executed.GetProperty("transaction").GetString()));
        Assert.Equal(("confirmed", false), (confirmed.GetProperty("status").GetString(), confirmed.GetProperty("settled").GetBoolean()));
        Assert.Equal(("confirmed", true), (settled.GetProperty("status").GetString(), settled.GetProperty("settled").GetBoolean()));

        using var list = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a3/withdrawals"));
        var listed = Assert.Single(JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToArray());
        Assert.Equal(decisionId, listed.GetProperty("decisionId").GetString());
    }

    [Fact]
    public async Task Withdrawal_of_another_account_or_unknown_decision_is_404_with_the_way_to_find_it()
    {
        await server.DepositUsdcAsync("a4", 1_000, "0xpg-a4");
        await server.DepositUsdcAsync("a5", 1_000, "0xpg-a5");
        using var accepted = await Withdraw("a4", 10, "pg-wd-a4");

        using var viaOtherAccount = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a5/withdrawals/withdraw:a4:pg-wd-a4"));
        using var unknown = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a4/withdrawals/withdraw:a4:nope"));

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, viaOtherAccount.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("GET /v1/accounts/a4/withdrawals lists them", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deposit_instructions_give_the_vault_the_account_as_bytes32_and_the_allowlisted_tokens()
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, "/v1/accounts/a6/deposit-instructions"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var chain = Assert.Single(body.GetProperty("chains").EnumerateArray().ToArray());
        Assert.Equal(("evm-1", "evm-vault", PostgresApiTestServer.Vault), (chain.GetProperty("chain").GetString(), chain.GetProperty("kind").GetString(), chain.GetProperty("vault").GetString()));
        // "a6" in ASCII, zero-padded to 32 bytes (AccountIdCodec).
        Assert.Equal("0x6136" + new string('0', 60), chain.GetProperty("accountField").GetString());
        var assets = chain.GetProperty("assets");
        Assert.Equal(PostgresApiTestServer.UsdcToken, assets.GetProperty("USDC").GetString());
        Assert.Equal("0x0000000000000000000000000000000000000000", assets.GetProperty("ETH").GetString());
    }

    [Fact]
    public async Task A_deposit_credit_is_delivered_over_the_accounts_event_stream()
    {
        await using var stream = await OpenStreamAsync(server.Member1, "/v1/accounts/a7/events");

        await server.DepositUsdcAsync("a7", 250, "0xpg-a7");

        var frames = await stream.ReadUntilAsync(f => f.Event == AccountEventKinds.DepositCredited, Deadline);
        var message = JsonDocument.Parse(frames[^1].Data!).RootElement;
        Assert.Equal(("a7", "250000000", "0xpg-a7"), (message.GetProperty("account").GetString(), message.GetProperty("data").GetProperty("units").GetString(), message.GetProperty("data").GetProperty("transaction").GetString()));
        Assert.Equal(frames[^1].Id, message.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Member_stream_carries_its_accounts_only_and_resumes_after_the_last_event_id()
    {
        var hub = server.Services.GetRequiredService<AccountEventHub>();
        await using var stream = await OpenStreamAsync(server.Member2, "/v1/events");

        Publish(hub, "a8", "first-other");
        Publish(hub, "b1", "first");
        Publish(hub, "b1", "second");
        var frames = await stream.ReadUntilAsync(f => f.Data?.Contains("second", StringComparison.Ordinal) == true, Deadline);
        var firstId = frames.Single(f => f.Data?.Contains("\"first\"", StringComparison.Ordinal) == true).Id!;
        Publish(hub, "b1", "third");

        await using var resumed = await OpenStreamAsync(server.Member2, "/v1/events", firstId);
        var replayed = await resumed.ReadUntilAsync(f => f.Data?.Contains("third", StringComparison.Ordinal) == true, Deadline);

        Assert.DoesNotContain(frames, f => f.Data?.Contains("first-other", StringComparison.Ordinal) == true);
        Assert.Equal(["second", "third"], replayed.Where(f => f.Data is not null).Select(f => JsonDocument.Parse(f.Data!).RootElement.GetProperty("data").GetProperty("note").GetString()));
    }

    [Fact]
    public async Task Last_event_id_from_another_server_process_is_answered_with_a_gap_first()
    {
        var hub = server.Services.GetRequiredService<AccountEventHub>();
        Publish(hub, "a9", "held");

        await using var stream = await OpenStreamAsync(server.Member1, "/v1/accounts/a9/events", "0123456789ab-42");
        var frames = await stream.ReadUntilAsync(f => f.Data?.Contains("held", StringComparison.Ordinal) == true, Deadline);

        var gap = frames.First(f => f.Event is not null);
        Assert.Equal(EventStreamEndpoints.GapEvent, gap.Event);
        Assert.Equal("unknown-stream", JsonDocument.Parse(gap.Data!).RootElement.GetProperty("reason").GetString());
    }

    private static void Publish(AccountEventHub hub, string account, string note) =>
        hub.Publish(new AccountEvent(account, AccountEventKinds.MarginCall, DateTimeOffset.UnixEpoch, new Dictionary<string, string> { ["note"] = note }));

    /// <summary>The stream <see cref="ApiTestServer.OpenEventStreamAsync"/> opens, checked to be served as text/event-stream.</summary>
    private async Task<SseClient> OpenStreamAsync(ApiKey key, string path, string? lastEventId = null)
    {
        var client = await server.OpenEventStreamAsync(key, path, lastEventId);
        Assert.Equal("text/event-stream", client.Response.Content.Headers.ContentType?.MediaType);
        return client;
    }

    private Task<HttpResponseMessage> Withdraw(string account, long dollars, string key) =>
        server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Post, $"/v1/accounts/{account}/withdrawals",
            $$"""{"chain":"evm-1","asset":"USDC","units":"{{dollars * 1_000_000}}","destination":"0x00000000000000000000000000000000000000d1"}""", idempotencyKey: key));

    private async Task<JsonElement> WithdrawalAsync(string account, string decisionId)
    {
        using var response = await server.Http.SendAsync(server.Signed(server.Member1, HttpMethod.Get, $"/v1/accounts/{account}/withdrawals/{decisionId}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
