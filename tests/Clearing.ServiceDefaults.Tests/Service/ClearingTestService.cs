using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Chains;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.ServiceDefaults.Tests.Service;

/// <summary>
/// The real server (<see cref="ClearingApiHost"/>: service defaults, member API, actor host, operations collector) on
/// Kestrel at 127.0.0.1:0 over a SQLite file in a temporary folder, with one member m1 owning account a1 and USDC
/// collateral on chain evm-1. Requests are signed with the real clock.
/// </summary>
public sealed class ClearingTestService : IAsyncDisposable
{
    public const string Chain = "evm-1";

    private const string KeyId = "m1-key";
    private const string Secret = "m1-secret-0123456789abcdef";

    private readonly string folder;
    private readonly WebApplication app;

    private ClearingTestService(string folder, WebApplication app, Uri address)
    {
        this.folder = folder;
        this.app = app;
        Address = address;
        Http = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => app.Services;

    public ClearingDatabase Database => Services.GetRequiredService<ClearingDatabase>();

    public ActorHost Host => Services.GetRequiredService<ActorHost>();

    public static async Task<ClearingTestService> StartAsync(IReadOnlyDictionary<string, string?>? extraSettings = null)
    {
        var folder = Directory.CreateTempSubdirectory("clearing-telemetry-").FullName;
        var secretFile = Path.Combine(folder, "m1.secret");
        await File.WriteAllTextAsync(secretFile, Secret + "\n");
        var settings = new Dictionary<string, string?>
        {
            ["Persistence:Provider"] = "sqlite",
            ["Persistence:ConnectionString"] = $"Data Source={Path.Combine(folder, "clearing.sqlite")}",
            ["Clearing:HostId"] = "telemetry-test",
            ["Clearing:Members:m1:KeyId"] = KeyId,
            ["Clearing:Members:m1:SecretFile"] = secretFile,
            ["Clearing:Members:m1:Role"] = "member",
            ["Clearing:Members:m1:Accounts:0"] = "a1",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = ClearingApiHost.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Services.AddSingleton<IRiskConfigurationProvider>(Risk());
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new ClearingTestService(folder, app, address);
    }

    public IMarginAccountGrain Account(string id) => Services.GetRequiredService<IGrainFactory>().GetGrain<IMarginAccountGrain>(id);

    /// <summary>Credits a finalized USDC deposit of whole dollars through the account grain, as a watcher would.</summary>
    public Task DepositUsdcAsync(string account, long dollars, string transaction) =>
        Account(account).CreditDepositAsync(new CreditDeposit(new DepositKey(Chain, transaction, 0), "USDC", dollars * (Int128)1_000_000, 1, "0xblock", "0xdepositor"));

    /// <summary>A request of member m1, signed over the exact bytes sent.</summary>
    public static HttpRequestMessage Signed(HttpMethod method, string pathAndQuery, string body, string idempotencyKey) =>
        RequestSignature.CreateSignedRequest(method, pathAndQuery, body, KeyId, Encoding.UTF8.GetBytes(Secret), idempotencyKey);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        // Pooled connections keep the SQLite file open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private static RiskConfiguration Risk()
    {
        var usdc = new AssetKey(new ChainId(Chain), "USDC");
        return new RiskConfiguration(usdc)
        {
            Collateral = ImmutableDictionary<AssetKey, CollateralParams>.Empty
                .Add(usdc, new CollateralParams(usdc, 6, Fixed.One, Fixed.One, Fixed.One, Fixed.One) { MayGoNegative = true }),
        };
    }
}
