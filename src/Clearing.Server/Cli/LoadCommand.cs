using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Clearing.Actors;
using Clearing.Chains;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Risk;
using Clearing.Server.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Clearing.Server.Cli;

/// <summary>
/// <c>clearing load</c>: a member-API load generator. A mix of signed <c>GET /v1/accounts/{id}</c>,
/// <c>POST …/trades</c> and <c>POST …/withdrawals</c> (each POST with a fresh Idempotency-Key) at a fixed concurrency for
/// a duration; reports requests per second and p50/p99 latency per endpoint, and errors by status.
/// Either against a running service (<c>--url --key-id --secret-file --account …</c>) or self-contained
/// (<c>--postgres CONNECTION</c>: the service in this process on that database, one member with funded accounts).
/// </summary>
public static class LoadCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "A running service's base URL, e.g. http://127.0.0.1:8080 (with --key-id, --secret-file, --account)." };
        var keyId = new Option<string>("--key-id") { Description = "The member's API key id." };
        var secretFile = new Option<FileInfo>("--secret-file") { Description = "File holding the member's API secret." };
        var accounts = new Option<string[]>("--account") { Description = "An account of the member (repeat for more); requests spread over them.", AllowMultipleArgumentsPerToken = true };
        var postgres = new Option<string>("--postgres") { Description = "Self-contained: start the service in this process on this PostgreSQL connection string (migrated on start)." };
        var accountCount = new Option<int>("--accounts-count") { Description = "Self-contained: how many funded accounts to create.", DefaultValueFactory = _ => 16 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once.", DefaultValueFactory = _ => 8 };
        var duration = new Option<double>("--duration") { Description = "How long to run, in seconds.", DefaultValueFactory = _ => 10 };
        var mix = new Option<string>("--mix") { Description = "Relative shares of each request: get=N,trade=N,withdraw=N.", DefaultValueFactory = _ => "get=60,trade=30,withdraw=10" };
        var chain = new Option<string>("--chain") { Description = "Chain of the withdrawals (self-contained: the built-in risk configuration's chain).", DefaultValueFactory = _ => SelfContainedChain };
        var asset = new Option<string>("--asset") { Description = "Asset of the withdrawals.", DefaultValueFactory = _ => "USDC" };
        var units = new Option<string>("--units") { Description = "Base units per withdrawal.", DefaultValueFactory = _ => "1000000" };
        var destination = new Option<string>("--destination") { Description = "Withdrawal destination address.", DefaultValueFactory = _ => "0x00000000000000000000000000000000000000d1" };
        var market = new Option<string>("--market") { Description = "Perp market of the trades (small fills alternating buy and sell).", DefaultValueFactory = _ => SelfContainedMarket };
        var price = new Option<string>("--price") { Description = "Fill price of the trades, USD.", DefaultValueFactory = _ => "2000" };
        var seed = new Option<int>("--seed") { Description = "Seed of the request mix (the same seed draws the same sequence per worker).", DefaultValueFactory = _ => 1 };
        var json = new Option<FileInfo>("--json") { Description = "Also write the report as JSON to this file." };
        var command = new Command("load", "Load the member API with signed account reads, trades and withdrawals; report requests/s, p50/p99 latency per endpoint and errors by status.")
        {
            url, keyId, secretFile, accounts, postgres, accountCount, concurrency, duration, mix, chain, asset, units, destination, market, price, seed, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var selfContained = parse.GetValue(postgres);
            var remote = parse.GetValue(url);
            if (string.IsNullOrEmpty(selfContained) == string.IsNullOrEmpty(remote))
            {
                await Console.Error.WriteLineAsync("clearing load: give either --url (with --key-id, --secret-file, --account) or --postgres CONNECTION (self-contained).");
                return 2;
            }

            if (!LoadMix.TryParse(parse.GetValue(mix)!, out var shares, out var mixError))
            {
                await Console.Error.WriteLineAsync($"clearing load: --mix: {mixError}");
                return 2;
            }

            var plan = new LoadPlan(
                Math.Max(1, parse.GetValue(concurrency)), TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(duration))), shares, parse.GetValue(seed),
                parse.GetValue(chain)!, parse.GetValue(asset)!, parse.GetValue(units)!, parse.GetValue(destination)!, parse.GetValue(market)!, parse.GetValue(price)!);
            LoadReport report;
            if (!string.IsNullOrEmpty(remote))
            {
                var file = parse.GetValue(secretFile);
                var key = parse.GetValue(keyId);
                var accountIds = (parse.GetValue(accounts) ?? []).SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
                if (string.IsNullOrEmpty(key) || file is null || !file.Exists || accountIds.Length == 0)
                {
                    await Console.Error.WriteLineAsync("clearing load: --url needs --key-id, an existing --secret-file and at least one --account.");
                    return 2;
                }

                if (!Uri.TryCreate(remote, UriKind.Absolute, out var baseAddress) || (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
                {
                    await Console.Error.WriteLineAsync($"clearing load: --url '{remote}' is not an http(s) URL.");
                    return 2;
                }

                var target = new LoadTarget(baseAddress, key, Encoding.UTF8.GetBytes(File.ReadAllText(file.FullName).TrimEnd('\r', '\n')), accountIds);
                report = await LoadRunner.RunAsync(target, plan, cancellationToken);
            }
            else
            {
                try
                {
                    report = await RunSelfContainedAsync(selfContained!, Math.Max(1, parse.GetValue(accountCount)), plan, cancellationToken);
                }
                catch (ApiConfigurationException e)
                {
                    await Console.Error.WriteLineAsync($"clearing load: {e.Message}");
                    return 2;
                }
            }

            await Console.Out.WriteAsync(report.ToText());
            if (parse.GetValue(json) is { } jsonFile)
            {
                await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(report, LoadReport.JsonOptions), cancellationToken);
            }

            return report.Errors == 0 ? 0 : 1;
        });
        return command;
    }

    public const string SelfContainedChain = "load-1";
    public const string SelfContainedMarket = "ETH-PERP";

    /// <summary>
    /// Starts the service in this process on <paramref name="postgres"/> (Kestrel on 127.0.0.1, a random port), with one
    /// member owning <paramref name="accounts"/> fresh accounts, each credited 10,000,000 USDC through its grain (as a
    /// deposit watcher would), runs the load against it over real HTTP, and stops it.
    /// </summary>
    public static async Task<LoadReport> RunSelfContainedAsync(string postgres, int accounts, LoadPlan plan, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("clearing-load-").FullName;
        try
        {
            var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            var secretFile = Path.Combine(folder, "load.secret");
            File.WriteAllText(secretFile, secret);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            // A run-unique prefix, so runs on one database never share accounts or idempotency keys.
            var run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            var accountIds = Enumerable.Range(0, accounts).Select(i => $"load-{run}-{i}").ToArray();
            var settings = new Dictionary<string, string?>
            {
                ["Persistence:Provider"] = "postgresql",
                ["Persistence:ConnectionString"] = postgres,
                ["Clearing:HostId"] = "clearing-load-" + run,
                ["Clearing:Members:load:KeyId"] = "load-" + run,
                ["Clearing:Members:load:SecretFile"] = secretFile,
            };
            for (var i = 0; i < accountIds.Length; i++)
            {
                settings[$"Clearing:Members:load:Accounts:{i}"] = accountIds[i];
            }

            var app = ClearingApiHost.Build([], builder =>
            {
                builder.WebHost.UseUrls("http://127.0.0.1:0");
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                builder.Services.AddSingleton<IRiskConfigurationProvider>(SelfContainedRisk());
            });
            await using (app)
            {
                await app.StartAsync(cancellationToken);
                var grains = app.Services.GetRequiredService<IGrainFactory>();
                await Task.WhenAll(accountIds.Select(id => grains.GetGrain<IMarginAccountGrain>(id).CreditDepositAsync(
                    new CreditDeposit(new DepositKey(SelfContainedChain, "0xload-" + id, 0), "USDC", 10_000_000 * (Int128)1_000_000, 1, "0xload", "0xload"))));
                var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
                var report = await LoadRunner.RunAsync(new LoadTarget(address, "load-" + run, Encoding.UTF8.GetBytes(secret), accountIds), plan, cancellationToken);
                await app.StopAsync(CancellationToken.None);
                return report;
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>USDC (6 decimals, weight 1) on <see cref="SelfContainedChain"/>; ETH-PERP at 2,000 USD, 10 % initial, 5 % maintenance margin.</summary>
    private static RiskConfiguration SelfContainedRisk()
    {
        var usdc = new AssetKey(new ChainId(SelfContainedChain), "USDC");
        return new RiskConfiguration(usdc)
        {
            Collateral = ImmutableDictionary<AssetKey, CollateralParams>.Empty.Add(usdc, new CollateralParams(usdc, 6, Fixed.One, Fixed.One, Fixed.One, Fixed.One)),
            Markets = ImmutableDictionary<string, PerpMarket>.Empty.Add(SelfContainedMarket, new PerpMarket(SelfContainedMarket, Fixed.Parse("0.1"), Fixed.Parse("0.05"))),
            MarketStates = ImmutableDictionary<string, PerpMarketState>.Empty.Add(SelfContainedMarket, PerpMarketState.AtPrice(Fixed.FromInt(2000))),
        };
    }
}

/// <summary>Who to load: the service's base URL, the member's key and secret, and its accounts.</summary>
public sealed class LoadTarget(Uri baseAddress, string keyId, byte[] secret, IReadOnlyList<string> accounts)
{
    public Uri BaseAddress { get; } = baseAddress;

    public string KeyId { get; } = keyId;

    public IReadOnlyList<string> Accounts { get; } = accounts;

    internal byte[] Secret { get; } = secret;

    // The secret stays out of any log line or debugger display.
    public override string ToString() => $"{BaseAddress} as {KeyId} over {Accounts.Count} account(s)";
}

/// <summary>How to load: concurrency, duration, the mix, the seed, and the bodies' fixed parts.</summary>
public sealed record LoadPlan(
    int Concurrency, TimeSpan Duration, IReadOnlyDictionary<string, int> Mix, int Seed,
    string Chain, string Asset, string Units, string Destination, string Market, string Price);

/// <summary>The request kinds and the <c>--mix</c> parser.</summary>
public static class LoadMix
{
    public const string Get = "getAccount";
    public const string Trade = "applyTrade";
    public const string Withdraw = "requestWithdrawal";

    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal) { ["get"] = Get, ["trade"] = Trade, ["withdraw"] = Withdraw };

    public static bool TryParse(string text, out IReadOnlyDictionary<string, int> shares, out string? error)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        shares = result;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split('=');
            if (pieces.Length != 2 || !Names.TryGetValue(pieces[0], out var name) || !int.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var share))
            {
                error = $"'{part}' is not get=N, trade=N or withdraw=N (N a non-negative integer)";
                return false;
            }

            result[name] = share;
        }

        error = result.Values.Sum() > 0 ? null : "the shares add up to 0";
        return error is null;
    }
}

/// <summary>One endpoint's figures: requests, requests per second, latency percentiles (ms), errors by status (or <c>transport</c>).</summary>
public sealed record EndpointReport(string Endpoint, long Requests, double RequestsPerSecond, double P50Ms, double P99Ms, double MaxMs, IReadOnlyDictionary<string, long> Errors);

/// <summary>The run's report (printed as a table; <c>--json</c> writes this record).</summary>
public sealed record LoadReport(DateTimeOffset StartedAt, double DurationSeconds, int Concurrency, string Target, IReadOnlyList<EndpointReport> Endpoints, EndpointReport Total)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public long Errors => Total.Errors.Values.Sum();

    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"clearing load: {Target}, concurrency {Concurrency}, {DurationSeconds:F1} s from {StartedAt:u}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"endpoint",-18} {"requests",9} {"req/s",9} {"p50 ms",8} {"p99 ms",8} {"max ms",8}  errors");
        foreach (var endpoint in Endpoints.Append(Total))
        {
            var errors = endpoint.Errors.Count == 0 ? "0" : string.Join(", ", endpoint.Errors.Select(e => $"{e.Key}: {e.Value}"));
            text.AppendLine(CultureInfo.InvariantCulture, $"{endpoint.Endpoint,-18} {endpoint.Requests,9} {endpoint.RequestsPerSecond,9:F1} {endpoint.P50Ms,8:F2} {endpoint.P99Ms,8:F2} {endpoint.MaxMs,8:F2}  {errors}");
        }

        return text.ToString();
    }
}

/// <summary>Runs the workers and measures each request from send to the last byte of its response.</summary>
public static class LoadRunner
{
    public static async Task<LoadReport> RunAsync(LoadTarget target, LoadPlan plan, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = plan.Concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = target.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var samples = new ConcurrentBag<(string Endpoint, double Ms, string? Error)>();
        var startedAt = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, plan.Concurrency).Select(worker => Task.Run(async () =>
        {
            var random = new Random(plan.Seed * 7919 + worker);
            var local = new List<(string, double, string?)>();
            var sequence = 0;
            while (Stopwatch.GetElapsedTime(started) < plan.Duration && !cancellationToken.IsCancellationRequested)
            {
                var endpoint = Pick(plan.Mix, random);
                var account = target.Accounts[random.Next(target.Accounts.Count)];
                var key = $"load-{worker}-{sequence++}-{startedAt.ToUnixTimeMilliseconds()}";
                using var request = Build(target, plan, endpoint, account, key, sequence);
                var sent = Stopwatch.GetTimestamp();
                string? error;
                try
                {
                    using var response = await http.SendAsync(request, cancellationToken);
                    await response.Content.LoadIntoBufferAsync(cancellationToken);
                    error = response.IsSuccessStatusCode ? null : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                }
                catch (HttpRequestException)
                {
                    error = "transport";
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    error = "timeout";
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break; // Ctrl+C: report what ran so far
                }

                local.Add((endpoint, Stopwatch.GetElapsedTime(sent).TotalMilliseconds, error));
            }

            foreach (var sample in local)
            {
                samples.Add(sample);
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var all = samples.ToArray();
        // Every endpoint of the mix is reported, also one that drew no request in a short run.
        var endpoints = plan.Mix.Where(m => m.Value > 0).Select(m => m.Key).Order(StringComparer.Ordinal)
            .Select(endpoint => Summarize(endpoint, [.. all.Where(s => s.Endpoint == endpoint)], elapsed)).ToArray();
        return new LoadReport(startedAt, elapsed, plan.Concurrency, target.ToString(), endpoints, Summarize("total", all, elapsed));
    }

    private static EndpointReport Summarize(string endpoint, (string Endpoint, double Ms, string? Error)[] samples, double seconds)
    {
        var latencies = samples.Select(s => s.Ms).Order().ToArray();
        var errors = samples.Where(s => s.Error is not null).GroupBy(s => s.Error!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
        return new EndpointReport(endpoint, samples.Length, samples.Length / seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.LastOrDefault(), errors);
    }

    /// <summary>Nearest-rank percentile of sorted values (0 for none).</summary>
    public static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Pick(IReadOnlyDictionary<string, int> mix, Random random)
    {
        var draw = random.Next(mix.Values.Sum());
        foreach (var (endpoint, share) in mix.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (draw < share)
            {
                return endpoint;
            }

            draw -= share;
        }

        throw new InvalidOperationException("The mix has no positive share.");
    }

    private static HttpRequestMessage Build(LoadTarget target, LoadPlan plan, string endpoint, string account, string idempotencyKey, int sequence)
    {
        var (method, path, body) = endpoint switch
        {
            LoadMix.Get => (HttpMethod.Get, $"/v1/accounts/{account}", ""),
            // Alternating buys and sells of 0.01 keep every account's position (and margin) near zero for any run length.
            LoadMix.Trade => (HttpMethod.Post, $"/v1/accounts/{account}/trades", $$"""{"market":"{{plan.Market}}","sizeDelta":"{{(sequence % 2 == 0 ? "0.01" : "-0.01")}}","price":"{{plan.Price}}"}"""),
            _ => (HttpMethod.Post, $"/v1/accounts/{account}/withdrawals", $$"""{"chain":"{{plan.Chain}}","asset":"{{plan.Asset}}","units":"{{plan.Units}}","destination":"{{plan.Destination}}"}"""),
        };
        return RequestSignature.CreateSignedRequest(method, path, body, target.KeyId, target.Secret, method == HttpMethod.Post ? idempotencyKey : null);
    }
}
