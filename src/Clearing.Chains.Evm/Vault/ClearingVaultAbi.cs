using Clearing.Chains.Evm.Abi;

namespace Clearing.Chains.Evm.Vault;

/// <summary>The parts of contracts/evm/src/ClearingVault.sol that Clearing reads and calls.</summary>
public static class ClearingVaultAbi
{
    /// <summary>
    /// Emitted once per deposit. <c>amount</c> is the vault's balance delta, so a fee-on-transfer token credits what
    /// arrived; <c>token</c> is the zero address for the native coin.
    /// </summary>
    public static readonly AbiEvent Deposited = AbiEvent.Parse("Deposited(bytes32 indexed account, address indexed token, uint256 amount, address depositor)");
}
