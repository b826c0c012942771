using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;
using Clearing.Actors;
using Clearing.Actors.Testing;
using Clearing.Chains;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Risk;
using Clearing.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Server.Tests.Api;

/// <summary>
/// The real server (<see cref="ClearingApiHost"/>) on Kestrel at 127.0.0.1:0 over a SQLite file in a temp folder (or a
/// PostgreSQL database, <see cref="PostgresApiTestServer"/>), on one fake clock. Member m1 owns a1..a12, member m2 owns
/// b1, operator ops owns none. Secrets are files in the folder.
/// </summary>
public sealed class ApiTestServer : IAsyncLifetime
{
    private readonly Func<Task<string>>? postgresDatabase;

    public const string Chain = "evm-1";
    public const string Market = "ETH-PERP";

    private readonly string folder = Directory.CreateTempSubdirectory("clearing-api-").FullName;
    private WebApplication? app;

    public ApiTestServer()
    {
    }

    /// <param name="postgresDatabase">Creates the PostgreSQL database to run on (a connection string); null: SQLite.</param>
    internal ApiTestServer(Func<Task<string>>? postgresDatabase) => this.postgresDatabase = postgresDatabase;

    public FakeClock Clock { get; } = new();

    /// <summary>Services to register before the API's (a test deposit-instruction provider, stream options).</summary>
    internal Action<IServiceCollection>? ConfigureServices { get; init; }

    public HttpClient Http { get; private set; } = null!;

    public ApiKey Member1 { get; } = new("m1-key", "m1-secret-0123456789abcdef");

    public ApiKey Member2 { get; } = new("m2-key", "m2-secret-0123456789abcdef");

    public ApiKey Operator { get; } = new("ops-key", "ops-secret-0123456789abcdef");

    public IServiceProvider Services => app!.Services;

    public IMarginAccountGrain Account(string id) => Services.GetRequiredService<IGrainFactory>().GetGrain<IMarginAccountGrain>(id);

    /// <summary>USDC (settlement, 6 decimals) collateral on one chain; ETH-PERP marked at 2,000 USD, 10 % initial, 5 % maintenance margin.</summary>
    public static RiskConfiguration Risk { get; } = BuildRisk();

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Persistence:Provider"] = postgresDatabase is null ? "sqlite" : "postgresql",
            ["Persistence:ConnectionString"] = postgresDatabase is null ? $"Data Source={Path.Combine(folder, "clearing.sqlite")}" : await postgresDatabase(),
            ["Clearing:HostId"] = "api-test",
        };
        AddMember(settings, "m1", Member1, "member", [.. Enumerable.Range(1, 12).Select(i => $"a{i}")]);
        AddMember(settings, "m2", Member2, "member", ["b1"]);
        AddMember(settings, "ops", Operator, "operator", []);

        app = ClearingApiHost.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton<TimeProvider>(Clock);
            builder.Services.AddSingleton<IRiskConfigurationProvider>(Risk);
            ConfigureServices?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        Http = new HttpClient { BaseAddress = address };
    }

    /// <summary>Credits a finalized USDC deposit of whole dollars straight through the account grain (as a watcher would).</summary>
    public Task DepositUsdcAsync(string account, long dollars, string transaction) =>
        Account(account).CreditDepositAsync(new CreditDeposit(new DepositKey(Chain, transaction, 0), "USDC", dollars * (Int128)1_000_000, 1, "0xblock", "0xdepositor"));

    public HttpRequestMessage Signed(ApiKey key, HttpMethod method, string pathAndQuery, string body = "", SignedAs? signedAs = null, string? idempotencyKey = null)
    {
        var timestamp = (signedAs?.Timestamp ?? Clock.GetUtcNow().ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var nonce = signedAs?.Nonce ?? Guid.NewGuid().ToString("N");
        var signature = RequestSignature.ComputeHex(
            Encoding.UTF8.GetBytes(key.Secret),
            signedAs?.SignedTimestamp ?? timestamp,
            nonce,
            (signedAs?.SignedMethod ?? method).Method,
            signedAs?.SignedPath ?? pathAndQuery,
            Encoding.UTF8.GetBytes(signedAs?.SignedBody ?? body));
        var request = new HttpRequestMessage(method, pathAndQuery);
        if (method != HttpMethod.Get)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add(RequestSignature.KeyHeader, key.KeyId);
        request.Headers.Add(RequestSignature.TimestampHeader, timestamp);
        request.Headers.Add(RequestSignature.NonceHeader, nonce);
        request.Headers.Add(RequestSignature.SignatureHeader, signature);
        if (idempotencyKey is not null)
        {
            request.Headers.Add(ApiEndpoints.IdempotencyKeyHeader, idempotencyKey);
        }

        return request;
    }

    /// <summary>
    /// Opens <paramref name="path"/>'s event stream signed with <paramref name="key"/> (resuming after
    /// <paramref name="lastEventId"/> when given), asserts 200 and waits (up to 30 s) for the stream's opening comment:
    /// from there on the server holds this connection's position.
    /// </summary>
    public async Task<SseClient> OpenEventStreamAsync(ApiKey key, string path, string? lastEventId = null)
    {
        var request = Signed(key, HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var client = new SseClient(response);
        await client.ReadUntilAsync(f => f.Comment?.StartsWith("stream ", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30));
        return client;
    }

    /// <summary>Stops the host (graceful shutdown); <see cref="DisposeAsync"/> still cleans up.</summary>
    public Task StopAsync() => app!.StopAsync();

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        // Pooled connections keep the SQLite file open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private void AddMember(Dictionary<string, string?> settings, string memberId, ApiKey key, string role, string[] accounts)
    {
        var secretFile = Path.Combine(folder, $"{memberId}.secret");
        File.WriteAllText(secretFile, key.Secret + "\n");
        settings[$"Clearing:Members:{memberId}:KeyId"] = key.KeyId;
        settings[$"Clearing:Members:{memberId}:SecretFile"] = secretFile;
        settings[$"Clearing:Members:{memberId}:Role"] = role;
        for (var i = 0; i < accounts.Length; i++)
        {
            settings[$"Clearing:Members:{memberId}:Accounts:{i}"] = accounts[i];
        }
    }

    private static RiskConfiguration BuildRisk()
    {
        var usdc = new AssetKey(new ChainId(Chain), "USDC");
        return new RiskConfiguration(usdc)
        {
            Collateral = ImmutableDictionary<AssetKey, CollateralParams>.Empty
                .Add(usdc, new CollateralParams(usdc, 6, Fixed.One, Fixed.One, Fixed.One, Fixed.One) { MayGoNegative = true }),
            Markets = ImmutableDictionary<string, PerpMarket>.Empty.Add(Market, new PerpMarket(Market, Fixed.Parse("0.1"), Fixed.Parse("0.05"))),
            MarketStates = ImmutableDictionary<string, PerpMarketState>.Empty.Add(Market, PerpMarketState.AtPrice(Fixed.FromInt(2000))),
        };
    }
}

public sealed record ApiKey(string KeyId, string Secret);

/// <summary>What the signature covers when it differs from what is sent (tampering), or a chosen timestamp / nonce.</summary>
public sealed record SignedAs
{
    public long? Timestamp { get; init; }

    public string? Nonce { get; init; }

    public string? SignedTimestamp { get; init; }

    public HttpMethod? SignedMethod { get; init; }

    public string? SignedPath { get; init; }

    public string? SignedBody { get; init; }
}
