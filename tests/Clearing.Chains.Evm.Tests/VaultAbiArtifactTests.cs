using Clearing.TestKit;
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
    // Built once per test run; the build (solc-js under node) runs only when the test command has not already built it.
    private static readonly Lazy<JsonElement> Artifact = new(() => LoadArtifactAsync().GetAwaiter().GetResult());

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

    private static async Task<JsonElement> LoadArtifactAsync()
    {
        var artifact = Path.Combine(RepoPaths.Root, "contracts", "evm", "out", "ClearingVault.json");
        if (!File.Exists(artifact))
        {
            const string InstallStep = "cd deploy/devnet && npm install --no-save";
            NodeScript.RequirePackage(RepoPaths.DevnetNodeModules, "solc", InstallStep);
            await NodeScript.RunAsync(Path.Combine(RepoPaths.Root, "contracts", "evm", "build.mjs"), [], InstallStep, TimeSpan.FromMinutes(3));
        }

        return JsonDocument.Parse(await File.ReadAllTextAsync(artifact)).RootElement.Clone();
    }
}
