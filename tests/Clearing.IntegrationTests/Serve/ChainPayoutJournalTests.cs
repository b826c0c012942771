using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.Grains.Accounts;
using Clearing.Server.Chains;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Serve;

/// <summary>The adapter between the account grain's outbox withdrawal and the EVM executor's payout (no real component).</summary>
public sealed class WithdrawalPayoutJournalTests
{
    private const string Chain = "evm-a";
    private static readonly EvmAddress Usdc = EvmAddress.Parse("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512");
    private static readonly EvmAddress Recipient = EvmAddress.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    private readonly MemoryChainActionJournal memory = new();
    private readonly WithdrawalPayoutJournal journal;

    public WithdrawalPayoutJournalTests() =>
        journal = new WithdrawalPayoutJournal(memory, new Dictionary<EvmAddress, string> { [Usdc] = "USDC" });

    /// <summary>The payload exactly as MarginAccountGrain writes it (default, PascalCase JSON names).</summary>
    private static string GrainPayload(string asset, string units, string destination) =>
        JsonSerializer.Serialize(new { Account = "alice", Chain, Asset = asset, Units = units, Destination = destination });

    [Fact]
    public async Task A_grain_withdrawal_is_shown_to_the_executor_as_a_payout_of_the_assets_token()
    {
        memory.Plan("withdraw:alice:k1", Chain, MarginAccountGrain.WithdrawKind, GrainPayload("USDC", "250000000", Recipient.ToString()));

        var open = Assert.Single(await journal.OpenAsync(Chain, CancellationToken.None));

        Assert.Equal(EvmExecutor.WithdrawalKind, open.Kind);
        Assert.Equal(new EvmPayout(Usdc.ToChecksumString(), Recipient.ToChecksumString(), "250000000"), EvmPayout.Parse(open.PayloadJson));
    }

    [Fact]
    public async Task A_seizure_passes_through_unchanged()
    {
        var payload = new EvmPayout(Usdc.ToChecksumString(), Recipient.ToChecksumString(), "5").ToJson();
        memory.Plan("liq-1", Chain, EvmExecutor.SeizureKind, payload);

        var open = Assert.Single(await journal.OpenAsync(Chain, CancellationToken.None));

        Assert.Equal((EvmExecutor.SeizureKind, payload), (open.Kind, open.PayloadJson));
        Assert.Empty(journal.Finished);
    }

    [Theory]
    [InlineData("DAI", "1", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "asset 'DAI' is not on this chain's token allowlist")]
    [InlineData("USDC", "1", "alice@example.org", "destination 'alice@example.org' is not a non-zero EVM address")]
    [InlineData("USDC", "1", "0x0000000000000000000000000000000000000000", "is not a non-zero EVM address")]
    [InlineData("USDC", "0", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "units '0' is not a positive integer")]
    public async Task A_withdrawal_that_cannot_be_paid_here_is_abandoned_before_signing_and_queued_for_settlement(string asset, string units, string destination, string reason)
    {
        var planned = memory.Plan("withdraw:alice:k2", Chain, MarginAccountGrain.WithdrawKind, GrainPayload(asset, units, destination));

        Assert.Empty(await journal.OpenAsync(Chain, CancellationToken.None));

        Assert.Equal(ChainActionState.Failed, memory.Get(planned.ActionId).State);
        Assert.Contains(reason, memory.FailureReason(planned.ActionId), StringComparison.Ordinal);
        var finished = Assert.Single(journal.Finished).Value;
        Assert.Equal(("alice", MarginAccountGrain.WithdrawKind), (WithdrawalPayoutJournal.AccountOf(finished), finished.Kind));
    }

    [Fact]
    public async Task A_confirmed_withdrawal_is_queued_once_for_settlement_with_its_account()
    {
        var planned = memory.Plan("withdraw:alice:k3", Chain, MarginAccountGrain.WithdrawKind, GrainPayload("USDC", "7", Recipient.ToString()));
        var bound = await journal.BindAsync(planned.ActionId, new ChainActionBinding(0, null, "0x02", "0x" + new string('a', 64)), CancellationToken.None);
        await journal.MarkBroadcastAsync(planned.ActionId, CancellationToken.None);

        var confirmed = await journal.MarkConfirmedAsync(planned.ActionId, CancellationToken.None);

        Assert.Equal(EvmExecutor.WithdrawalKind, bound.Kind);
        Assert.Equal((EvmExecutor.WithdrawalKind, ChainActionState.Confirmed), (confirmed.Kind, confirmed.State));
        var queued = Assert.Single(journal.Finished).Value;
        Assert.Equal(("withdraw:alice:k3", "alice"), (queued.DecisionId, WithdrawalPayoutJournal.AccountOf(queued)));
    }
}
