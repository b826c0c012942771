using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Vault;
using Clearing.Grains.Accounts;
using Clearing.Grains.Risk;
using Clearing.Server.Chains;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Serve;

/// <summary>The adapter between the grains' outbox decisions (withdraw, seize) and the EVM and Solana executors' payouts (no real component).</summary>
public sealed class ChainPayoutJournalTests
{
    private const string Chain = "evm-a";
    private static readonly EvmAddress Usdc = EvmAddress.Parse("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    private static readonly EvmAddress Recipient = EvmAddress.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    private static readonly EvmAddress Receiver = EvmAddress.Parse("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
    private static readonly PublicKey Mint = new(Enumerable.Repeat((byte)0x11, 32).ToArray());
    private static readonly PublicKey Authority = new(Enumerable.Repeat((byte)0x22, 32).ToArray());
    private static readonly PublicKey SolanaReceiver = new(Enumerable.Repeat((byte)0x33, 32).ToArray());
    private static readonly PublicKey SolanaRecipient = new(Enumerable.Repeat((byte)0x44, 32).ToArray());

    private readonly MemoryChainActionJournal memory = new();
    private readonly ChainPayoutJournal journal;

    public ChainPayoutJournalTests() =>
        journal = new ChainPayoutJournal(memory, new EvmPayouts(new Dictionary<EvmAddress, string> { [Usdc] = "USDC" }, Receiver));

    /// <summary>The payload exactly as MarginAccountGrain writes it (default, PascalCase JSON names).</summary>
    private static string GrainPayload(string asset, string units, string destination) =>
        JsonSerializer.Serialize(new { Account = "alice", Chain, Asset = asset, Units = units, Destination = destination });

    private static string SeizePayload(string asset, string units) =>
        JsonSerializer.Serialize(new SeizeAction("alice", "liq-1", Chain, asset, units));

    [Fact]
    public async Task A_grain_withdrawal_is_shown_to_the_executor_as_a_payout_of_the_assets_token()
    {
        memory.Plan("withdraw:alice:k1", Chain, MarginAccountGrain.WithdrawKind, GrainPayload("USDC", "250000000", Recipient.ToString()));

        var open = Assert.Single(await journal.OpenAsync(Chain, CancellationToken.None));

        Assert.Equal(EvmExecutor.WithdrawalKind, open.Kind);
        Assert.Equal(new EvmPayout(Usdc.ToChecksumString(), Recipient.ToChecksumString(), "250000000"), EvmPayout.Parse(open.PayloadJson));
    }

    [Fact]
    public async Task A_router_seizure_is_shown_to_the_evm_executor_as_a_seizure_paid_to_the_liquidation_receiver()
    {
        memory.Plan("liq-1:seize:0", Chain, SeizeAction.Kind, SeizePayload("USDC", "5000000"));

        var open = Assert.Single(await journal.OpenAsync(Chain, CancellationToken.None));

        Assert.Equal(EvmExecutor.SeizureKind, open.Kind);
        Assert.Equal(new EvmPayout(Usdc.ToChecksumString(), Receiver.ToChecksumString(), "5000000"), EvmPayout.Parse(open.PayloadJson));
    }

    [Fact]
    public async Task On_solana_a_withdrawal_pays_the_destination_wallet_and_a_seizure_the_receiver_wallet_in_the_assets_mint()
    {
        var vault = new SolanaVaultOptions
        {
            Chain = "solana",
            VaultAuthority = Authority,
            Mints = new Dictionary<PublicKey, SolanaAllowedMint> { [Mint] = new("USDC", ProgramIds.Token, 6) },
        };
        var solana = new ChainPayoutJournal(memory, new SolanaPayouts(vault, SolanaReceiver));
        memory.Plan("withdraw:alice:s1", "solana", MarginAccountGrain.WithdrawKind, GrainPayload("USDC", "7", SolanaRecipient.ToString()));
        memory.Plan("liq-2:seize:0", "solana", SeizeAction.Kind, SeizePayload("USDC", "9"));

        var open = await solana.OpenAsync("solana", CancellationToken.None);

        Assert.Equal(
            [(SolanaPayouts.WithdrawalKind, new SolanaPayout(Mint, SolanaRecipient, 7)), (SolanaPayouts.SeizureKind, new SolanaPayout(Mint, SolanaReceiver, 9))],
            open.Select(a => (a.Kind, SolanaPayout.Parse(a.PayloadJson))).ToArray());
    }

    [Theory]
    [InlineData("withdraw", "7", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "is not a non-zero Solana address (base58)")]
    [InlineData("withdraw", "7", "11111111111111111111111111111111", "is not a non-zero Solana address (base58)")]
    [InlineData("seize", "18446744073709551616", "", "exceed an SPL token amount (u64)")]
    public async Task On_solana_a_decision_that_cannot_be_paid_is_abandoned_with_the_reason(string kind, string units, string destination, string reason)
    {
        var vault = new SolanaVaultOptions
        {
            Chain = "solana",
            VaultAuthority = Authority,
            Mints = new Dictionary<PublicKey, SolanaAllowedMint> { [Mint] = new("USDC", ProgramIds.Token, 6) },
        };
        var solana = new ChainPayoutJournal(memory, new SolanaPayouts(vault, SolanaReceiver));
        var payload = kind == SeizeAction.Kind ? SeizePayload("USDC", units) : GrainPayload("USDC", units, destination);
        var planned = memory.Plan($"{kind}:alice:s2", "solana", kind, payload);

        Assert.Empty(await solana.OpenAsync("solana", CancellationToken.None));

        Assert.Equal(ChainActionState.Failed, memory.Get(planned.ActionId).State);
        Assert.Contains(reason, memory.FailureReason(planned.ActionId), StringComparison.Ordinal);
        Assert.Single(solana.Finished);
    }

    [Fact]
    public async Task Other_kinds_pass_through_unchanged()
    {
        var payload = new EvmPayout(Usdc.ToChecksumString(), Recipient.ToChecksumString(), "5").ToJson();
        memory.Plan("manual-1", Chain, EvmExecutor.SeizureKind, payload);

        var open = Assert.Single(await journal.OpenAsync(Chain, CancellationToken.None));

        Assert.Equal((EvmExecutor.SeizureKind, payload), (open.Kind, open.PayloadJson));
        Assert.Empty(journal.Finished);
    }

    [Theory]
    [InlineData("withdraw", "DAI", "1", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "asset 'DAI' is not on this chain's token allowlist")]
    [InlineData("withdraw", "USDC", "1", "alice@example.org", "destination 'alice@example.org' is not a non-zero EVM address")]
    [InlineData("withdraw", "USDC", "1", "0x0000000000000000000000000000000000000000", "is not a non-zero EVM address")]
    [InlineData("withdraw", "USDC", "0", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "units '0' is not a positive integer")]
    [InlineData("seize", "DAI", "1", "", "asset 'DAI' is not on this chain's token allowlist")]
    [InlineData("seize", "USDC", "-3", "", "units '-3' is not a positive integer")]
    public async Task A_decision_that_cannot_be_paid_here_is_abandoned_before_signing_and_queued_for_settlement(string kind, string asset, string units, string destination, string reason)
    {
        var payload = kind == SeizeAction.Kind ? SeizePayload(asset, units) : GrainPayload(asset, units, destination);
        var planned = memory.Plan($"{kind}:alice:k2", Chain, kind, payload);

        Assert.Empty(await journal.OpenAsync(Chain, CancellationToken.None));

        Assert.Equal(ChainActionState.Failed, memory.Get(planned.ActionId).State);
        Assert.Contains(reason, memory.FailureReason(planned.ActionId), StringComparison.Ordinal);
        var finished = Assert.Single(journal.Finished).Value;
        Assert.Equal(("alice", kind), (GrainDecision.Read(finished.Action).Account, finished.Action.Kind));
        Assert.Contains(reason, finished.FailureReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("withdraw", "withdraw:alice:k3")]
    [InlineData("seize", "liq-3:seize:0")]
    public async Task A_confirmed_decision_is_queued_once_for_settlement_with_its_account_and_transaction(string kind, string decisionId)
    {
        var payload = kind == SeizeAction.Kind ? SeizePayload("USDC", "7") : GrainPayload("USDC", "7", Recipient.ToString());
        var planned = memory.Plan(decisionId, Chain, kind, payload);
        var transaction = "0x" + new string('a', 64);
        var bound = await journal.BindAsync(planned.ActionId, new ChainActionBinding(0, null, "0x02", transaction), CancellationToken.None);
        await journal.MarkBroadcastAsync(planned.ActionId, CancellationToken.None);

        var confirmed = await journal.MarkConfirmedAsync(planned.ActionId, CancellationToken.None);

        var executorKind = kind == SeizeAction.Kind ? EvmExecutor.SeizureKind : EvmExecutor.WithdrawalKind;
        Assert.Equal(executorKind, bound.Kind);
        Assert.Equal((executorKind, ChainActionState.Confirmed), (confirmed.Kind, confirmed.State));
        var queued = Assert.Single(journal.Finished).Value;
        Assert.Equal((decisionId, "alice", transaction, (string?)null), (queued.Action.DecisionId, GrainDecision.Read(queued.Action).Account, queued.Action.Binding?.TxId, queued.FailureReason));
    }
}
