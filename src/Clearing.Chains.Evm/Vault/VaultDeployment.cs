using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Vault;

/// <summary>What a new vault should allow and whom it should trust. The deploying key becomes its admin.</summary>
public sealed record VaultDeploymentPlan(
    IReadOnlyList<EvmAddress> AllowedTokens,
    IReadOnlyList<EvmAddress> Operators,
    IReadOnlyList<EvmAddress> Pausers);

public sealed record DeployedVault(EvmAddress Address, ulong DeploymentBlock, string TransactionHash);

/// <summary>Deploys ClearingVault and configures it: allowlist, operator and pauser roles (each one transaction).</summary>
public static class VaultDeployment
{
    // Each step is confirmed before the next, so a failure says exactly how far the configuration got.
    private static readonly TimeSpan ReceiptDeadline = TimeSpan.FromMinutes(5);

    public static async Task<DeployedVault> DeployAsync(EvmTransactionSender sender, byte[] vaultBytecode, VaultDeploymentPlan plan, CancellationToken cancellationToken)
    {
        if (plan.AllowedTokens.Count == 0)
        {
            throw new ArgumentException("A vault with an empty allowlist accepts no deposits; name at least one token (--token).", nameof(plan));
        }

        byte[] creation = [.. vaultBytecode, .. AbiCodec.Encode("address", sender.Address)];
        var deployment = await sender.SendAndWaitAsync(null, creation, 0, ReceiptDeadline, cancellationToken);
        var vault = deployment.ContractAddress ?? throw new InvalidOperationException($"Deployment {deployment.TransactionHash} created no contract.");
        foreach (var token in plan.AllowedTokens)
        {
            await sender.SendAndWaitAsync(vault, ClearingVaultAbi.SetAllowedToken.EncodeCall(token, true), 0, ReceiptDeadline, cancellationToken);
        }

        foreach (var (role, accounts) in new[] { (ClearingVaultAbi.OperatorRole, plan.Operators), (ClearingVaultAbi.PauserRole, plan.Pausers) })
        {
            foreach (var account in accounts)
            {
                await sender.SendAndWaitAsync(vault, ClearingVaultAbi.GrantRole.EncodeCall(role, account), 0, ReceiptDeadline, cancellationToken);
            }
        }

        return new DeployedVault(vault, deployment.BlockNumber, deployment.TransactionHash.ToString());
    }
}
