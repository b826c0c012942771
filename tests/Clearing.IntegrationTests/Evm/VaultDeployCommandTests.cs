using System.Text.Json;
using Clearing.Chains.Evm;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Abi;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Evm;

/// <summary><c>clearing vault deploy</c> against a real anvil, run as the operator runs it.</summary>
[Trait("RealComponent", "true")]
public sealed class VaultDeployCommandTests : IAsyncLifetime
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("clearing-vault-");
    private AnvilNode node = null!;
    private AnvilContracts contracts = null!;
    private string keyFile = "";

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        contracts = new AnvilContracts(node);
        // anvil's dev account 0: a public LOCAL DEVNET key, written to a temporary key file for this test only.
        keyFile = Path.Combine(folder.FullName, "deployer.key");
        await File.WriteAllTextAsync(keyFile, AnvilNode.DevAccount0PrivateKey + "\n");
    }

    [Fact]
    public async Task Deploy_creates_a_vault_with_the_allowlist_and_roles_asked_for()
    {
        var usdc = await contracts.DeployAsync("TestToken", "string,string,uint8", "USD Coin", "USDC", (byte)6);

        var result = await ClearingProcess.RunAsync(
            "vault", "deploy", "--rpc", node.Url.ToString(), "--key", keyFile, "--token", usdc.ToChecksumString(),
            "--operator", AnvilNode.DevAccount1, "--pauser", AnvilNode.DevAccount1, "--artifact", AnvilContracts.ArtifactPath("ClearingVault"));

        Assert.True(result.ExitCode == 0, result.StandardError);
        using var output = JsonDocument.Parse(result.StandardOutput);
        var vault = EvmAddress.Parse(output.RootElement.GetProperty("vault").GetString()!);
        Assert.Equal(AnvilNode.DevAccount0, output.RootElement.GetProperty("admin").GetString());
        Assert.Equal(node.ChainId, output.RootElement.GetProperty("chainId").GetUInt64());
        Assert.True(await CallBoolAsync(vault, ClearingVaultAbi.AllowedTokens.EncodeCall(usdc)));
        Assert.True(await CallBoolAsync(vault, ClearingVaultAbi.HasRole.EncodeCall(ClearingVaultAbi.OperatorRole, EvmAddress.Parse(AnvilNode.DevAccount1))));
        Assert.True(await CallBoolAsync(vault, ClearingVaultAbi.HasRole.EncodeCall(ClearingVaultAbi.PauserRole, EvmAddress.Parse(AnvilNode.DevAccount1))));
        Assert.False(await CallBoolAsync(vault, ClearingVaultAbi.HasRole.EncodeCall(ClearingVaultAbi.OperatorRole, EvmAddress.Parse(AnvilNode.DevAccount0))));
    }

    [Theory]
    [InlineData("0x0000000000000000000000000000000000000000", "--token")]
    [InlineData("not-an-address", "--token")]
    public async Task Bad_addresses_are_refused_before_anything_is_sent(string token, string named)
    {
        var nonceBefore = await NonceAsync();

        var result = await ClearingProcess.RunAsync("vault", "deploy", "--rpc", node.Url.ToString(), "--key", keyFile, "--token", token, "--artifact", AnvilContracts.ArtifactPath("ClearingVault"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(named, result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", result.StandardOutput);
        Assert.Equal(nonceBefore, await NonceAsync());
    }

    public async Task DisposeAsync()
    {
        await node.DisposeAsync();
        folder.Delete(recursive: true);
    }

    private async Task<bool> CallBoolAsync(EvmAddress to, byte[] data)
    {
        var result = await node.Rpc.CallAsync("eth_call", new Dictionary<string, string> { ["to"] = to.ToChecksumString(), ["data"] = Hex.Encode(data) }, "latest");
        return !Hex.DecodeQuantity("0x" + result.GetString()![2..].TrimStart('0').PadLeft(1, '0')).IsZero;
    }

    private async Task<string> NonceAsync() => (await node.Rpc.CallAsync("eth_getTransactionCount", AnvilNode.DevAccount0, "latest")).GetString()!;
}
