using System.Globalization;
using System.Numerics;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;

namespace Clearing.Server.Chains;

/// <summary>
/// EVM payouts (<see cref="EvmExecutor"/>): the asset's token from the chain's allowlist; a withdrawal pays the member's
/// destination through the vault's <c>withdraw</c>, a seizure pays <paramref name="liquidationReceiver"/> through <c>seize</c>.
/// </summary>
public sealed class EvmPayouts(IReadOnlyDictionary<EvmAddress, string> tokens, EvmAddress liquidationReceiver) : IChainPayouts
{
    private readonly Dictionary<string, EvmAddress> tokenOfAsset = tokens.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    public (ExecutorPayout? Payout, string? Problem) Withdrawal(string asset, BigInteger units, string destination)
    {
        if (!EvmAddress.TryParse(destination, out var to) || to.IsZero)
        {
            return (null, $"destination '{destination}' is not a non-zero EVM address");
        }

        return Pay(EvmExecutor.WithdrawalKind, asset, units, to);
    }

    public (ExecutorPayout? Payout, string? Problem) Seizure(string asset, BigInteger units) =>
        Pay(EvmExecutor.SeizureKind, asset, units, liquidationReceiver);

    private (ExecutorPayout?, string?) Pay(string kind, string asset, BigInteger units, EvmAddress to) =>
        tokenOfAsset.TryGetValue(asset, out var token)
            ? (new ExecutorPayout(kind, new EvmPayout(token.ToChecksumString(), to.ToChecksumString(), units.ToString(CultureInfo.InvariantCulture)).ToJson()), null)
            : (null, $"asset '{asset}' is not on this chain's token allowlist");
}
