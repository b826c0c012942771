using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Clearing.Chains.Evm;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Evm;

/// <summary>
/// Deploys and calls the contracts of contracts/evm (built by `node contracts/evm/build.mjs`) on a real anvil, from
/// anvil's unlocked development accounts, encoding calls with our own ABI code.
/// </summary>
internal sealed class AnvilContracts(AnvilNode node)
{
    public static readonly AbiFunction Mint = AbiFunction.Parse("mint(address to, uint256 amount)");
    public static readonly AbiFunction EmitLookalike = AbiFunction.Parse("emitDeposited(bytes32 account, address token, uint256 amount)");

    public AnvilNode Node => node;

    public static string ArtifactPath(string contract) => Path.Combine(RepoPaths.Root, "contracts", "evm", "out", contract + ".json");

    public async Task<EvmAddress> DeployAsync(string contract, string constructorTypes = "", params object[] arguments)
    {
        var path = ArtifactPath(contract);
        if (!File.Exists(path))
        {
            throw new MissingPrerequisiteException($"The EVM contract artifact {path}", "node contracts/evm/build.mjs");
        }

        using var artifact = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var bytecode = Hex.Decode(artifact.RootElement.GetProperty("bytecode").GetString()!);
        byte[] data = [.. bytecode, .. constructorTypes.Length == 0 ? [] : AbiCodec.Encode(constructorTypes, arguments)];
        var receipt = await SendAsync(AnvilNode.DevAccount0, null, data);
        return EvmAddress.Parse(receipt.GetProperty("contractAddress").GetString()!);
    }

    /// <summary>Sends a transaction from an unlocked dev account and returns its receipt once mined (status checked).</summary>
    public async Task<JsonElement> SendAsync(string from, EvmAddress? to, byte[] data, BigInteger? value = null)
    {
        var hash = await SendWithoutWaitingAsync(from, to, data, value);
        var receipt = await ReceiptAsync(hash);
        Assert.True(receipt.GetProperty("status").GetString() == "0x1", $"transaction {hash} reverted: {receipt}");
        return receipt;
    }

    public async Task<string> SendWithoutWaitingAsync(string from, EvmAddress? to, byte[] data, BigInteger? value = null) =>
        (await node.Rpc.CallAsync("eth_sendTransaction", Request(from, to, data, value))).GetString()!;

    public static Dictionary<string, string> Request(string from, EvmAddress? to, byte[] data, BigInteger? value = null)
    {
        var request = new Dictionary<string, string> { ["from"] = from, ["data"] = Hex.Encode(data) };
        if (to is { } address)
        {
            request["to"] = address.ToChecksumString();
        }

        if (value is { } wei)
        {
            request["value"] = Hex.EncodeQuantity(wei);
        }

        return request;
    }

    public async Task<JsonElement> ReceiptAsync(string hash)
    {
        var receipt = default(JsonElement);
        await Wait.UntilAsync(
            async () => (receipt = await node.Rpc.CallAsync("eth_getTransactionReceipt", hash)).ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(30),
            $"the receipt of {hash}");
        return receipt;
    }

    public async Task<ulong> HeadAsync() => await node.BlockNumberAsync("latest");

    /// <summary>A vault administered by dev account 0 with the given tokens allowlisted.</summary>
    public async Task<EvmAddress> DeployVaultAsync(params EvmAddress[] allowedTokens)
    {
        var vault = await DeployAsync("ClearingVault", "address", EvmAddress.Parse(AnvilNode.DevAccount0));
        foreach (var token in allowedTokens)
        {
            await SendAsync(AnvilNode.DevAccount0, vault, ClearingVaultAbi.SetAllowedToken.EncodeCall(token, true));
        }

        return vault;
    }

    /// <summary>Mints <paramref name="amount"/> to <paramref name="depositor"/>, approves the vault and deposits for <paramref name="account"/>; returns the deposit's transaction hash.</summary>
    public async Task<string> DepositTokenAsync(EvmAddress vault, EvmAddress token, string depositor, byte[] account, BigInteger amount)
    {
        await SendAsync(depositor, token, Mint.EncodeCall(EvmAddress.Parse(depositor), amount));
        await SendAsync(depositor, token, Erc20Abi.EncodeApprove(vault, amount));
        var receipt = await SendAsync(depositor, vault, ClearingVaultAbi.EncodeDeposit(account, token, amount));
        return receipt.GetProperty("transactionHash").GetString()!;
    }

    /// <summary>
    /// A USDC-like token and a vault holding <paramref name="funded"/> of it (deposited for "alice"), with dev account 0
    /// as admin and operator: what an executor needs to withdraw and seize.
    /// </summary>
    public async Task<(EvmAddress Token, EvmAddress Vault)> DeployFundedVaultAsync(BigInteger funded)
    {
        var token = await DeployAsync("TestToken", "string,string,uint8", "USD Coin", "USDC", (byte)6);
        var vault = await DeployVaultAsync(token);
        await SendAsync(AnvilNode.DevAccount0, vault, ClearingVaultAbi.GrantRole.EncodeCall(ClearingVaultAbi.OperatorRole, EvmAddress.Parse(AnvilNode.DevAccount0)));
        await DepositTokenAsync(vault, token, AnvilNode.DevAccount1, Clearing.Chains.AccountIdCodec.ToBytes32("alice"), funded);
        return (token, vault);
    }

    public static string Quantity(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
