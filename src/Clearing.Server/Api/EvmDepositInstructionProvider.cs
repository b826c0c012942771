using Clearing.Chains;
using Clearing.Server.Chains;

namespace Clearing.Server.Api;

/// <summary>
/// Deposit instructions for every configured EVM chain: the vault, the account id as the vault's <c>bytes32</c>
/// (<see cref="AccountIdCodec"/>: ASCII, zero-padded on the right) and the allowlisted tokens by asset symbol (the zero
/// address is the native coin, deposited with <c>depositNative</c>).
/// </summary>
public sealed class EvmDepositInstructionProvider(IReadOnlyList<EvmChain> chains) : IDepositInstructionProvider
{
    public const string Kind = "evm-vault";

    public IEnumerable<ChainDepositInstruction> For(string accountId)
    {
        var accountField = "0x" + Convert.ToHexStringLower(AccountIdCodec.ToBytes32(accountId));
        return chains
            .OrderBy(chain => chain.Name, StringComparer.Ordinal)
            .Select(chain => new ChainDepositInstruction(
                chain.Name,
                Kind,
                chain.Vault.Vault.ToString(),
                accountField,
                chain.Vault.Tokens
                    .OrderBy(token => token.Value, StringComparer.Ordinal)
                    .ToDictionary(token => token.Value, token => token.Key.ToString(), StringComparer.Ordinal)));
    }
}
