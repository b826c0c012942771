using System.Text.RegularExpressions;
using Clearing.TestKit;

namespace Clearing.Server.Tests.Cli;

// Key files are created with Unix permissions (0600); the team and CI run Linux.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class KeysCommandTests : IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("clearing-keys-");

    [Fact]
    public async Task New_evm_key_file_is_owner_only_and_show_prints_the_same_checksummed_address()
    {
        var path = Path.Combine(folder.FullName, "operator.key");

        var created = await ClearingProcess.RunAsync("keys", "new", "--chain", "evm", "--out", path);
        var shown = await ClearingProcess.RunAsync("keys", "show", path);

        Assert.Equal(0, created.ExitCode);
        Assert.Matches(EvmAddress(), created.StandardOutput.Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(0, shown.ExitCode);
        Assert.Equal(created.StandardOutput.Trim(), shown.StandardOutput.Trim());
        // The key itself is never printed.
        var key = File.ReadAllText(path).Trim();
        Assert.DoesNotContain(key[2..], created.StandardOutput + created.StandardError + shown.StandardOutput, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task New_solana_key_file_is_the_cli_json_format_and_show_prints_its_base58_public_key()
    {
        var path = Path.Combine(folder.FullName, "vault-authority.json");

        var created = await ClearingProcess.RunAsync("keys", "new", "--chain", "solana", "--out", path);
        var shown = await ClearingProcess.RunAsync("keys", "show", path);

        Assert.Equal(0, created.ExitCode);
        Assert.Matches(Base58PublicKey(), created.StandardOutput.Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(64, System.Text.Json.JsonSerializer.Deserialize<int[]>(File.ReadAllText(path))!.Length);
        Assert.Equal(created.StandardOutput.Trim(), shown.StandardOutput.Trim());
    }

    [Theory]
    [InlineData("evm")]
    [InlineData("solana")]
    public async Task An_existing_key_file_is_never_overwritten(string chain)
    {
        var path = Path.Combine(folder.FullName, "existing.key");
        await File.WriteAllTextAsync(path, "keep me");

        var result = await ClearingProcess.RunAsync("keys", "new", "--chain", chain, "--out", path);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("existing.key", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(path));
        Assert.Equal("", result.StandardOutput);
    }

    [Theory]
    [InlineData("0x1234")]
    [InlineData("[1, 2, 3]")]
    [InlineData("not a key")]
    public async Task A_malformed_key_file_is_refused_with_a_message_naming_the_file(string content)
    {
        var path = Path.Combine(folder.FullName, "malformed.key");
        await File.WriteAllTextAsync(path, content);

        var result = await ClearingProcess.RunAsync("keys", "show", path);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("malformed.key", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
    }

    [Fact]
    public async Task An_unknown_chain_is_refused()
    {
        var result = await ClearingProcess.RunAsync("keys", "new", "--chain", "bitcoin", "--out", Path.Combine(folder.FullName, "x.key"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("bitcoin", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder.FullName, "x.key")));
    }

    public void Dispose() => folder.Delete(recursive: true);

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    private static partial Regex EvmAddress();

    [GeneratedRegex("^[1-9A-HJ-NP-Za-km-z]{32,44}$")]
    private static partial Regex Base58PublicKey();
}
