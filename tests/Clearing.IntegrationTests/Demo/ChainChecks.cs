using System.Numerics;
using Clearing.Chains;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Solana.Rpc;
using Clearing.Server.Demo;

namespace Clearing.IntegrationTests.Demo;

/// <summary>What the tests read back from the chains themselves, to check what the demo's summary and the service claim.</summary>
internal sealed class ChainChecks(LocalChains chains) : IDisposable
{
    private readonly HttpClient http = new();

    public EvmRpcClient Evm(string chain) => new(http, chains.EvmChains.Single(c => c.Name == chain).RpcUrl);

    public SolanaRpcClient Solana() => new(http, chains.SolanaRpcUrl);

    /// <summary>The vault's Seized event in <paramref name="transaction"/> (a successful transaction), or fails the test.</summary>
    public async Task<(EvmAddress Vault, EvmAddress Token, EvmAddress To, BigInteger Amount)> EvmSeizureAsync(string chain, string transaction)
    {
        var receipt = (await Evm(chain).GetTransactionReceiptAsync(Hash32.Parse(transaction))).Value;
        Assert.True(receipt is { Succeeded: true }, $"{transaction} is not a successful transaction on {chain}");
        var log = receipt!.Logs.SingleOrDefault(l => l.Topics.Count > 0 && l.Topics[0].AsSpan().SequenceEqual(ClearingVaultAbi.Seized.Topic0));
        Assert.True(log is not null, $"{transaction} on {chain} emitted no Seized event");
        var values = ClearingVaultAbi.Seized.Decode(log!);
        return (log!.Address, (EvmAddress)values["token"], (EvmAddress)values["to"], (BigInteger)values["amount"]);
    }

    /// <summary>The vault's Deposited event in <paramref name="transaction"/>: the account id and the amount.</summary>
    public async Task<(string Account, BigInteger Amount)> EvmDepositAsync(string chain, string transaction)
    {
        var receipt = (await Evm(chain).GetTransactionReceiptAsync(Hash32.Parse(transaction))).Value;
        Assert.True(receipt is { Succeeded: true }, $"{transaction} is not a successful transaction on {chain}");
        var log = receipt!.Logs.Single(l => l.Topics.Count > 0 && l.Topics[0].AsSpan().SequenceEqual(ClearingVaultAbi.Deposited.Topic0));
        var deposit = ClearingVaultAbi.DecodeDeposited(log.Topics, log.Data);
        return (AccountIdCodec.FromBytes32(deposit.Account, out _)!, deposit.Amount);
    }

    /// <summary>Every Seized event of <paramref name="vault"/> from block 0 to the head.</summary>
    public async Task<IReadOnlyList<EvmLog>> SeizedLogsAsync(string chain, EvmAddress vault)
    {
        var rpc = Evm(chain);
        var head = (await rpc.GetBlockNumberAsync()).Value;
        return (await rpc.GetLogsAsync(new LogFilter(0, head) { Addresses = [vault], Topics = [[ClearingVaultAbi.Seized.Topic0]] })).Value;
    }

    public async Task<BigInteger> EvmTokenBalanceAsync(string chain, EvmAddress token, EvmAddress owner) =>
        Erc20Abi.DecodeBalance((await Evm(chain).CallAsync(new CallRequest { To = token, Data = Erc20Abi.EncodeBalanceOf(owner) }, BlockTag.Latest)).Value);

    public async Task<bool> SolanaSucceededAsync(string signature)
    {
        var status = (await Solana().GetSignatureStatusesAsync([signature], searchTransactionHistory: true)).Value.Value[0];
        return status is { Failed: false, ConfirmationStatus: "confirmed" or "finalized" };
    }

    public void Dispose() => http.Dispose();
}
