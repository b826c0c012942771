using System.Numerics;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;

namespace Clearing.Server.Demo;

/// <summary>A seizure as the vault recorded it: the token, the receiver and the amount in base units.</summary>
public sealed record EvmSeizure(EvmAddress Token, EvmAddress To, BigInteger Amount);

/// <summary>
/// The chains as users and auditors see them, through JSON-RPC only: users deposit with their own keys (ERC-20 approve
/// then the vault's deposit on EVM; an SPL TransferChecked with the account id as memo on Solana), and anyone reads
/// balances and the transactions a seizure or a withdrawal claims to have made.
/// </summary>
public sealed class DemoWallets(DemoDeployment deployment) : IDisposable
{
    private static readonly TimeSpan ReceiptDeadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient http = new();

    public DemoDeployment Deployment => deployment;

    /// <summary>
    /// Following an EVM deposit instruction: the user approves <paramref name="vault"/> for <paramref name="token"/> and
    /// calls its <c>deposit(account32, token, units)</c>; returns the deposit's transaction hash.
    /// </summary>
    public async Task<string> DepositEvmAsync(DemoUser user, EvmAddress vault, EvmAddress token, byte[] account32, BigInteger units, CancellationToken cancellationToken)
    {
        var chain = deployment.Evm(user.Chain);
        var sender = DemoDeployer.Sender(http, chain.Chain, user.EvmKey ?? throw new ArgumentException($"{user.Account} has no EVM key."));
        await sender.SendAndWaitAsync(token, Erc20Abi.EncodeApprove(vault, units), 0, ReceiptDeadline, cancellationToken);
        var receipt = await sender.SendAndWaitAsync(vault, ClearingVaultAbi.EncodeDeposit(account32, token, units), 0, ReceiptDeadline, cancellationToken);
        return receipt.TransactionHash.ToString();
    }

    /// <summary>
    /// Following a Solana deposit instruction: the user transfers <paramref name="units"/> of its mint into
    /// <paramref name="vaultTokenAccount"/> with <paramref name="memo"/> as a Memo instruction; returns the signature.
    /// </summary>
    public Task<string> DepositSolanaAsync(DemoUser user, PublicKey vaultTokenAccount, string memo, ulong units, CancellationToken cancellationToken)
    {
        var key = user.SolanaKey ?? throw new ArgumentException($"{user.Account} has no Solana key.");
        var solana = deployment.Solana;
        return SolanaTransactions.SendAndConfirmAsync(Solana(), key,
            [
                TokenProgram.TransferChecked(AssociatedTokenAccountProgram.FindAddress(key.PublicKey, solana.Mint), solana.Mint, vaultTokenAccount, key.PublicKey, units, solana.Decimals),
                MemoProgram.Create(memo),
            ],
            [],
            cancellationToken);
    }

    /// <summary>Publishes a new WETH/USD round on chain B's feed (whole dollars); returns the transaction hash.</summary>
    public Task<string> PublishWethPriceAsync(int usd, CancellationToken cancellationToken) =>
        DemoDeployer.PublishPriceAsync(http, deployment.ChainB, usd, cancellationToken);

    public async Task<BigInteger> EvmTokenBalanceAsync(DeployedEvmChain chain, EvmAddress owner, CancellationToken cancellationToken)
    {
        var answer = (await Evm(chain).CallAsync(new CallRequest { To = chain.Token, Data = Erc20Abi.EncodeBalanceOf(owner) }, BlockTag.Latest, cancellationToken)).Value;
        return Erc20Abi.DecodeBalance(answer);
    }

    public async Task<ulong> SolanaTokenBalanceAsync(PublicKey tokenAccount, CancellationToken cancellationToken) =>
        (await Solana().GetTokenAccountAsync(tokenAccount, Commitment.Confirmed, cancellationToken)).Value.Value?.TokenAmount.BaseUnits ?? 0;

    /// <summary>
    /// The vault's Seized event in <paramref name="transaction"/>'s receipt, or null with what the chain shows instead
    /// (unknown transaction, reverted, or no Seized event of this vault).
    /// </summary>
    public async Task<(EvmSeizure? Seizure, string Seen)> EvmSeizureAsync(DeployedEvmChain chain, string transaction, CancellationToken cancellationToken)
    {
        // A transaction hash is 0x and 64 hex digits; anything else cannot be on this chain.
        if (transaction is not { Length: 66 } || !transaction.StartsWith("0x", StringComparison.Ordinal) || transaction.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF"))
        {
            return (null, "not a transaction hash");
        }

        var receipt = (await Evm(chain).GetTransactionReceiptAsync(Hash32.Parse(transaction), cancellationToken)).Value;
        if (receipt is null)
        {
            return (null, "no receipt (not mined)");
        }

        if (!receipt.Succeeded)
        {
            return (null, $"reverted in block {receipt.BlockNumber}");
        }

        var log = receipt.Logs.FirstOrDefault(l => l.Address == chain.Vault && l.Topics.Count > 0 && l.Topics[0].AsSpan().SequenceEqual(ClearingVaultAbi.Seized.Topic0));
        if (log is null)
        {
            return (null, $"a successful transaction to {receipt.To} with {receipt.Logs.Count} log(s), none a Seized event of the vault {chain.Vault}");
        }

        var values = ClearingVaultAbi.Seized.Decode(log);
        var seizure = new EvmSeizure((EvmAddress)values["token"], (EvmAddress)values["to"], (BigInteger)values["amount"]);
        return (seizure, seizure.ToString());
    }

    /// <summary>Whether <paramref name="signature"/> landed without error (at confirmed or finalized).</summary>
    public async Task<bool> SolanaSucceededAsync(string signature, CancellationToken cancellationToken)
    {
        var status = (await Solana().GetSignatureStatusesAsync([signature], searchTransactionHistory: true, cancellationToken)).Value.Value[0];
        return status is { Failed: false, ConfirmationStatus: "confirmed" or "finalized" };
    }

    public void Dispose() => http.Dispose();

    private EvmRpcClient Evm(DeployedEvmChain chain) => new(http, chain.Chain.RpcUrl);

    private SolanaRpcClient Solana() => new(http, deployment.Solana.RpcUrl);
}
