namespace Clearing.Server.Api;

/// <summary>
/// How to deposit into one account on one chain. EVM (<c>evm-vault</c>): call the vault at <see cref="Vault"/>
/// (<c>deposit(bytes32 account, address token, uint256 amount)</c> or <c>depositNative</c>) with <see cref="AccountField"/>
/// as the bytes32; Solana (<c>solana-vault</c>): transfer one of <see cref="Assets"/> into the vault's token account for
/// that mint with a memo instruction carrying <see cref="AccountField"/>.
/// <see cref="Assets"/> maps asset symbol → token (EVM token contract, zero address for the native coin; Solana: the
/// vault's token account of the mint).
/// </summary>
public sealed record ChainDepositInstruction(string Chain, string Kind, string Vault, string AccountField, IReadOnlyDictionary<string, string> Assets);

/// <summary>One per configured chain family; the API lists what every registered provider returns for an account.</summary>
public interface IDepositInstructionProvider
{
    IEnumerable<ChainDepositInstruction> For(string accountId);
}
