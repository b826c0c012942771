using System.Numerics;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Vault;

namespace Clearing.Server.Chains;

/// <summary>
/// Solana payouts (<see cref="SolanaExecutor"/>): a TransferChecked of the asset's mint out of the vault token account
/// into the recipient wallet's associated token account. A withdrawal pays the member's destination wallet, a seizure
/// the configured liquidation receiver's wallet.
/// </summary>
public sealed class SolanaPayouts(SolanaVaultOptions vault, PublicKey liquidationReceiver) : IChainPayouts
{
    /// <summary>The executor kinds (the Solana executor pays both the same way; the kind is kept for the outbox's readers).</summary>
    public const string WithdrawalKind = "withdrawal";
    public const string SeizureKind = "seizure";

    private readonly Dictionary<string, PublicKey> mintOfAsset = vault.Mints.ToDictionary(pair => pair.Value.Asset, pair => pair.Key, StringComparer.Ordinal);

    public (ExecutorPayout? Payout, string? Problem) Withdrawal(string asset, BigInteger units, string destination)
    {
        if (!PublicKey.TryParse(destination, out var recipient) || recipient == PublicKey.Default)
        {
            return (null, $"destination '{destination}' is not a non-zero Solana address (base58)");
        }

        return Pay(WithdrawalKind, asset, units, recipient);
    }

    public (ExecutorPayout? Payout, string? Problem) Seizure(string asset, BigInteger units) =>
        Pay(SeizureKind, asset, units, liquidationReceiver);

    private (ExecutorPayout?, string?) Pay(string kind, string asset, BigInteger units, PublicKey recipient)
    {
        if (!mintOfAsset.TryGetValue(asset, out var mint))
        {
            return (null, $"asset '{asset}' is not on this chain's mint allowlist");
        }

        if (units > ulong.MaxValue)
        {
            return (null, $"units {units} exceed an SPL token amount (u64)");
        }

        return (new ExecutorPayout(kind, new SolanaPayout(mint, recipient, (ulong)units).ToJson()), null);
    }
}
