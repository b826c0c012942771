using System.Diagnostics;
using System.Text.Json;
using Clearing.Chains.Evm.Abi;

namespace Clearing.Chains.Evm.Tests;

/// <summary>
/// Pins ClearingVaultAbi to the contract as solc compiled it (contracts/evm/out/ClearingVault.json): every function,
/// event and error we encode or decode must exist there with the same canonical signature, indexed flags and outputs.
/// Builds the contracts with solc-js (node) when the artifact is missing, so it is a real-component test.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class VaultAbiArtifactTests
{
    private static readonly Lazy<JsonElement> Artifact = new(LoadArtifact);

    public static TheoryData<string> Functions() =>
    [
        .. new[]
        {
            ClearingVaultAbi.Deposit, ClearingVaultAbi.DepositNative, ClearingVaultAbi.Withdraw, ClearingVaultAbi.Seize,
            ClearingVaultAbi.WithdrawalIdUsed, ClearingVaultAbi.LiquidationIdUsed, ClearingVaultAbi.SetAllowedToken,
            ClearingVaultAbi.AllowedTokens, ClearingVaultAbi.GrantRole, ClearingVaultAbi.HasRole, ClearingVaultAbi.Pause,
            ClearingVaultAbi.Unpause, ClearingVaultAbi.Paused,
        }.Select(f => f.Signature),
    ];

    [Theory]
    [MemberData(nameof(Functions))]
    public void Vault_function_matches_the_compiled_abi(string signature)
    {
        var ours = typeof(ClearingVaultAbi).GetFields().Select(f => f.GetValue(null)).OfType<AbiFunction>().Single(f => f.Signature == signature);
        var compiled = Items("function").Single(item => CanonicalSignature(item) == signature);

        Assert.Equal(
            compiled.GetProperty("outputs").EnumerateArray().Select(CanonicalType),
            ours.Outputs.Select(t => t.CanonicalName));
    }

    [Fact]
    public void Vault_events_match_the_compiled_abi_including_indexed_parameters()
    {
        foreach (var ours in new[] { ClearingVaultAbi.Deposited, ClearingVaultAbi.Withdrawn, ClearingVaultAbi.Seized })
        {
            var compiled = Items("event").Single(item => CanonicalSignature(item) == ours.Signature);
            Assert.Equal(
                compiled.GetProperty("inputs").EnumerateArray().Select(input => input.GetProperty("indexed").GetBoolean()),
                ours.Parameters.Select(p => p.Indexed));
        }
    }

    [Fact]
    public void Vault_errors_match_the_compiled_abi()
    {
        foreach (var ours in new[] { ClearingVaultAbi.WithdrawalIdUsedError, ClearingVaultAbi.LiquidationIdUsedError, ClearingVaultAbi.TokenNotAllowedError })
        {
            Assert.Contains(ours.Signature, Items("error").Select(CanonicalSignature));
        }
    }

    private static IEnumerable<JsonElement> Items(string kind) =>
        Artifact.Value.GetProperty("abi").EnumerateArray().Where(item => item.GetProperty("type").GetString() == kind);

    private static string CanonicalSignature(JsonElement item) =>
        item.GetProperty("name").GetString() + "(" + string.Join(",", item.GetProperty("inputs").EnumerateArray().Select(CanonicalType)) + ")";

    private static string CanonicalType(JsonElement parameter)
    {
        var type = parameter.GetProperty("type").GetString()!;
        return type.StartsWith("tuple", StringComparison.Ordinal)
            ? "(" + string.Join(",", parameter.GetProperty("components").EnumerateArray().Select(CanonicalType)) + ")" + type["tuple".Length..]
            : type;
    }

    private static JsonElement LoadArtifact()
    {
        var root = TestFiles.RepoRoot();
        var artifact = Path.Combine(root, "contracts", "evm", "out", "ClearingVault.json");
        if (!File.Exists(artifact))
        {
            var build = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            build.ArgumentList.Add(Path.Combine(root, "contracts", "evm", "build.mjs"));
            Process process;
            try
            {
                process = Process.Start(build) ?? throw new InvalidOperationException("node did not start");
            }
            catch (System.ComponentModel.Win32Exception exception)
            {
                Assert.Fail($"node is not on PATH ({exception.Message}): install Node 20, run `cd deploy/devnet && npm install --no-save`, then `node contracts/evm/build.mjs`.");
                throw;
            }

            using var started = process;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
            }

            Assert.True(File.Exists(artifact), $"contracts/evm did not build (exit {process.ExitCode}); run `cd deploy/devnet && npm install --no-save` then `node contracts/evm/build.mjs`.\n{stderr.Result}{stdout.Result}");
        }

        return JsonDocument.Parse(File.ReadAllText(artifact)).RootElement.Clone();
    }
}
