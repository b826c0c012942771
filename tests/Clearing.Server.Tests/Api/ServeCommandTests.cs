using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Clearing.Server.Api;
using Clearing.Server.Cli;
using Clearing.TestKit;
using Microsoft.Data.Sqlite;

namespace Clearing.Server.Tests.Api;

/// <summary>`clearing serve` as an operator runs it: a config file, a risk file, secret files, SQLite; answers signed requests until cancelled.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private const string Secret = "serve-secret-0123456789abcdef";

    private readonly string folder = Directory.CreateTempSubdirectory("clearing-serve-").FullName;

    [Fact]
    public async Task Serve_answers_signed_requests_and_stops_cleanly_on_cancel()
    {
        var risk = Path.Combine(folder, "risk.json");
        File.WriteAllText(risk, """
            {"assets":[{"symbol":"USDC","decimals":6,"price":"1"}],
             "collateral":[{"chain":"evm-1","asset":"USDC","initWeight":"1","maintWeight":"1","initLiabilityWeight":"1","maintLiabilityWeight":"1"}],
             "markets":[{"symbol":"ETH-PERP","markPrice":"2000","initialMarginRatio":"0.1","maintenanceMarginRatio":"0.05"}],
             "accounts":[]}
            """);
        var secretFile = Path.Combine(folder, "m1.secret");
        File.WriteAllText(secretFile, Secret + "\n");
        var config = Path.Combine(folder, "serve.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            Persistence = new { Provider = "sqlite", ConnectionString = $"Data Source={Path.Combine(folder, "clearing.sqlite")}" },
            Clearing = new
            {
                HostId = "serve-test",
                Risk = new { File = risk },
                Members = new { m1 = new { KeyId = "m1-key", SecretFile = secretFile, Accounts = new[] { "x1" } } },
            },
        }));
        var port = FreePort.Next();
        using var stop = new CancellationTokenSource();

        var serving = ClearingCli.Build().Parse(["serve", "--config", config, "--urls", $"http://127.0.0.1:{port}"]).InvokeAsync(cancellationToken: stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Wait.UntilAsync(
            async () =>
            {
                Assert.False(serving.IsCompleted, "clearing serve exited early");
                try
                {
                    return (await http.GetAsync(new Uri("/health", UriKind.Relative))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "clearing serve to answer /health");

        // Signed against the real clock: serve runs on TimeProvider.System.
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/accounts/x1");
        request.Headers.Add(RequestSignature.KeyHeader, "m1-key");
        request.Headers.Add(RequestSignature.TimestampHeader, timestamp);
        request.Headers.Add(RequestSignature.NonceHeader, "serve-nonce-1");
        request.Headers.Add(RequestSignature.SignatureHeader, RequestSignature.ComputeHex(Encoding.UTF8.GetBytes(Secret), timestamp, "serve-nonce-1", "GET", "/v1/accounts/x1", []));
        using var response = await http.SendAsync(request);
        using var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("x1", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);

        await stop.CancelAsync();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }
}
