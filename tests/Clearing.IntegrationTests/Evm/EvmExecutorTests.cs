using System.Globalization;
using System.Numerics;
using Clearing.Chains;
using Clearing.Chains.Evm;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Signing;
using Clearing.IntegrationTests.Execution;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Evm;

/// <summary>
/// The EVM executor on a real anvil (one per test): each decision bound to one nonce and persisted before it is sent,
/// confirmed only at finality, replaced with the same nonce when stuck, and never paid twice.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class EvmExecutorTests : IAsyncLifetime
{
    private const string Chain = "chain-a";
    private static readonly BigInteger Funded = 1_000_000_000;
    private readonly HttpClient http = new();
    private readonly MemoryChainActionJournal journal = new();
    private AnvilNode node = null!;
    private AnvilContracts contracts = null!;
    private EvmAddress usdc;
    private EvmAddress vault;
    private EvmRpcClient rpc = null!;

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        contracts = new AnvilContracts(node);
        rpc = new EvmRpcClient(http, node.Url);
        (usdc, vault) = await contracts.DeployFundedVaultAsync(Funded);
    }

    [Fact]
    public async Task A_seizure_is_executed_once_and_confirmed_only_when_final()
    {
        var recipient = NewAddress();
        var action = Plan("liq-1", EvmExecutor.SeizureKind, recipient, 400_000_000);
        var executor = Executor();

        await executor.RunOnceAsync(CancellationToken.None);
        Assert.Equal(ChainActionState.Broadcast, journal.Get(action.ActionId).State);
        Assert.Equal(new BigInteger(400_000_000), await BalanceAsync(recipient));

        await executor.RunOnceAsync(CancellationToken.None);
        Assert.Equal(ChainActionState.Broadcast, journal.Get(action.ActionId).State);

        await node.MineAsync(2);
        await executor.RunOnceAsync(CancellationToken.None);
        Assert.Equal(ChainActionState.Confirmed, journal.Get(action.ActionId).State);
        Assert.Equal(new BigInteger(400_000_000), await BalanceAsync(recipient));
        Assert.True(await IdUsedAsync(ClearingVaultAbi.LiquidationIdUsed, "liq-1"));
    }

    [Fact]
    public async Task A_seizure_survives_a_crash_after_signing_and_before_sending_and_sends_the_same_bytes()
    {
        var recipient = NewAddress();
        var action = Plan("liq-2", EvmExecutor.SeizureKind, recipient, 250_000_000);
        var nonceBefore = await NonceAsync();

        await Assert.ThrowsAsync<SimulatedCrashException>(() => Executor(new CrashAfterBindJournal(journal)).RunOnceAsync(CancellationToken.None));
        var bound = journal.Get(action.ActionId);
        Assert.Equal(ChainActionState.Signed, bound.State);
        Assert.Equal(nonceBefore, await NonceAsync());

        var restarted = Executor();
        await restarted.RunOnceAsync(CancellationToken.None);
        await node.MineAsync(2);
        await restarted.RunOnceAsync(CancellationToken.None);

        var done = journal.Get(action.ActionId);
        Assert.Equal(ChainActionState.Confirmed, done.State);
        Assert.Equal(bound.Binding, done.Binding);
        Assert.NotNull((await rpc.GetTransactionReceiptAsync(Hash32.Parse(bound.Binding!.TxId))).Value);
        Assert.Equal(new BigInteger(250_000_000), await BalanceAsync(recipient));
    }

    [Fact]
    public async Task A_retry_storm_of_executors_pays_every_decision_exactly_once()
    {
        var recipients = Enumerable.Range(0, 4).Select(_ => NewAddress()).ToList();
        var actions = recipients.Select((to, i) => Plan($"wd-{i}", EvmExecutor.WithdrawalKind, to, 10_000_000 * (i + 1))).ToList();
        var executors = Enumerable.Range(0, 8).Select(_ => Executor()).ToList();

        var rounds = 0;
        while (!actions.All(a => journal.Get(a.ActionId).State == ChainActionState.Confirmed))
        {
            Assert.True(++rounds <= 20, "after 20 rounds: " + string.Join("; ", actions.Select(a => journal.Get(a.ActionId)).Select(a => $"{a.DecisionId} {a.State} nonce {a.Binding?.Nonce} attempts {a.Attempts} {journal.FailureReason(a.ActionId)}")));
            await Task.WhenAll(executors.Select(e => e.RunOnceAsync(CancellationToken.None)));
            await node.MineAsync(1);
        }

        for (var i = 0; i < recipients.Count; i++)
        {
            Assert.Equal(new BigInteger(10_000_000 * (i + 1)), await BalanceAsync(recipients[i]));
        }

        Assert.Equal(actions.Count, actions.Select(a => journal.Get(a.ActionId).Binding!.Nonce).Distinct().Count());
        Assert.Equal(Funded - 100_000_000, await BalanceAsync(vault));
    }

    [Fact]
    public async Task A_stuck_transaction_is_replaced_with_the_same_nonce_and_higher_fees()
    {
        var recipient = NewAddress();
        var action = Plan("liq-3", EvmExecutor.SeizureKind, recipient, 5_000_000);
        var executor = Executor();
        await node.Rpc.CallAsync("evm_setAutomine", false);

        for (var round = 0; round < 3; round++)
        {
            await executor.RunOnceAsync(CancellationToken.None);
        }

        var stuck = journal.Get(action.ActionId).Binding!;
        await executor.RunOnceAsync(CancellationToken.None);
        var replacement = journal.Get(action.ActionId).Binding!;
        Assert.Equal(stuck.Nonce, replacement.Nonce);
        Assert.NotEqual(stuck.TxId, replacement.TxId);
        var before = (Eip1559Transaction)SignedTransaction.Decode(stuck.SignedTransaction).Transaction;
        var after = (Eip1559Transaction)SignedTransaction.Decode(replacement.SignedTransaction).Transaction;
        Assert.True(after.MaxPriorityFeePerGas * 10 >= before.MaxPriorityFeePerGas * 11, "the tip rises by at least 10 %");
        Assert.True(after.MaxFeePerGas * 10 >= before.MaxFeePerGas * 11, "the fee cap rises by at least 10 %");

        await node.Rpc.CallAsync("evm_setAutomine", true);
        await node.MineAsync(3);
        await executor.RunOnceAsync(CancellationToken.None);

        Assert.Equal(ChainActionState.Confirmed, journal.Get(action.ActionId).State);
        Assert.NotNull((await rpc.GetTransactionReceiptAsync(Hash32.Parse(replacement.TxId))).Value);
        Assert.Null((await rpc.GetTransactionReceiptAsync(Hash32.Parse(stuck.TxId))).Value);
        Assert.Equal(new BigInteger(5_000_000), await BalanceAsync(recipient));
    }

    [Fact]
    public async Task A_decision_replayed_from_a_lost_journal_sends_nothing_and_pays_nothing_twice()
    {
        var recipient = NewAddress();
        Plan("liq-4", EvmExecutor.SeizureKind, recipient, 7_000_000);
        await Executor().RunOnceAsync(CancellationToken.None);
        await node.MineAsync(2);
        await Executor().RunOnceAsync(CancellationToken.None);

        // A second journal that never saw the first execution plans the same decision again.
        var amnesiac = new MemoryChainActionJournal();
        var replay = amnesiac.Plan("liq-4", Chain, EvmExecutor.SeizureKind, new EvmPayout(usdc.ToChecksumString(), recipient.ToChecksumString(), "7000000").ToJson());
        var second = new EvmExecutor(Sender(), amnesiac, new EvmExecutorOptions { Chain = Chain, Vault = vault });
        var nonceBefore = await NonceAsync();
        await second.RunOnceAsync(CancellationToken.None);

        Assert.Equal(ChainActionState.Failed, amnesiac.Get(replay.ActionId).State);
        Assert.Null(amnesiac.Get(replay.ActionId).Binding);
        Assert.Equal(nonceBefore, await NonceAsync());
        Assert.Equal(new BigInteger(7_000_000), await BalanceAsync(recipient));
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await node.DisposeAsync();
    }

    private ChainAction Plan(string decisionId, string kind, EvmAddress to, BigInteger amount) =>
        journal.Plan(decisionId, Chain, kind, new EvmPayout(usdc.ToChecksumString(), to.ToChecksumString(), amount.ToString(CultureInfo.InvariantCulture)).ToJson());

    private EvmExecutor Executor(IChainActionJournal? over = null) =>
        new(Sender(), over ?? journal, new EvmExecutorOptions { Chain = Chain, Vault = vault });

    // anvil's dev account 0: a public LOCAL DEVNET key.
    private EvmTransactionSender Sender() => new(rpc, EvmPrivateKey.FromHex(AnvilNode.DevAccount0PrivateKey), node.ChainId);

    private static EvmAddress NewAddress() => EvmPrivateKey.Generate().Address;

    private async Task<BigInteger> BalanceAsync(EvmAddress owner) =>
        (BigInteger)Erc20Abi.BalanceOf.DecodeOutput((await rpc.CallAsync(new CallRequest { To = usdc, Data = Erc20Abi.EncodeBalanceOf(owner) }, BlockTag.Latest)).Value)[0];

    private async Task<bool> IdUsedAsync(AbiFunction lookup, string decisionId) =>
        (bool)lookup.DecodeOutput((await rpc.CallAsync(new CallRequest { To = vault, Data = lookup.EncodeCall(EvmExecutor.DecisionId32(decisionId)) }, BlockTag.Latest)).Value)[0];

    private async Task<ulong> NonceAsync() => (await rpc.GetTransactionCountAsync(EvmAddress.Parse(AnvilNode.DevAccount0), BlockTag.Latest)).Value;
}
