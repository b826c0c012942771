using Clearing.Actors.Testing;
using Clearing.Server.Api;
using Clearing.Server.Cli;
using Microsoft.Extensions.Configuration;

namespace Clearing.Server.Tests.Api;

/// <summary>Fail-closed startup on credentials, and the nonce store's memory on the fake clock.</summary>
public sealed class StartupAndNonceTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("clearing-api-start-").FullName;

    [Fact]
    public void Missing_secret_file_stops_startup_naming_the_member_and_the_path()
    {
        var missing = Path.Combine(folder, "absent.secret");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clearing:Members:m1:KeyId"] = "m1-key",
            ["Clearing:Members:m1:SecretFile"] = missing,
        }).Build();

        var error = Assert.Throws<ApiConfigurationException>(() => ApiCredentialStore.FromConfiguration(configuration));

        Assert.Contains("Clearing:Members:m1:SecretFile", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "short", "KeyId is missing")]
    [InlineData("k1", "short", "shorter than 16 characters")]
    public void Incomplete_credentials_stop_startup(string keyId, string secret, string expected)
    {
        var secretFile = Path.Combine(folder, "m1.secret");
        File.WriteAllText(secretFile, secret);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clearing:Members:m1:KeyId"] = keyId,
            ["Clearing:Members:m1:SecretFile"] = secretFile,
        }).Build();

        var error = Assert.Throws<ApiConfigurationException>(() => ApiCredentialStore.FromConfiguration(configuration));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_exits_with_code_2_before_listening_when_a_secret_file_is_missing()
    {
        var config = Path.Combine(folder, "serve.json");
        File.WriteAllText(config, $$"""
            {
              "Persistence": { "Provider": "sqlite", "ConnectionString": "Data Source={{Path.Combine(folder, "db.sqlite").Replace("\\", "/", StringComparison.Ordinal)}}" },
              "Clearing": { "Members": { "m1": { "KeyId": "m1-key", "SecretFile": "{{Path.Combine(folder, "absent.secret").Replace("\\", "/", StringComparison.Ordinal)}}" } } }
            }
            """);

        var exitCode = await ClearingCli.Build().Parse(["serve", "--config", config, "--urls", "http://127.0.0.1:0"]).InvokeAsync();

        Assert.Equal(2, exitCode);
        Assert.False(File.Exists(Path.Combine(folder, "db.sqlite")), "nothing may be created before the credentials are known");
    }

    [Fact]
    public void Nonce_is_refused_while_its_timestamp_is_in_the_window_and_forgotten_after()
    {
        var clock = new FakeClock();
        var nonces = new NonceStore(clock);
        var sentAt = clock.GetUtcNow();

        Assert.True(nonces.TryUse("k1", "n1", sentAt));
        Assert.False(nonces.TryUse("k1", "n1", sentAt));
        Assert.True(nonces.TryUse("k2", "n1", sentAt));

        clock.Advance(RequestSignature.Window + TimeSpan.FromSeconds(2));
        // Any request still carrying the old timestamp is now refused by the window check; the memory can go.
        Assert.True(nonces.TryUse("k3", "other", clock.GetUtcNow()));
        Assert.Equal(1, nonces.Count);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
