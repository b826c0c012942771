using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Risk;

namespace Clearing.Server.Chains;

/// <summary>What an executor is asked to run for one grain decision: its kind and its payload, in the executor's terms.</summary>
public sealed record ExecutorPayout(string Kind, string PayloadJson);

/// <summary>
/// One chain family's translation of the grains' decisions into its executor's payouts. The grains know accounts and
/// asset symbols; the executors know token contracts or mints and recipients. A withdrawal pays the member's
/// destination; a seizure pays the chain's configured liquidation receiver.
/// </summary>
public interface IChainPayouts
{
    /// <summary>The payout of <paramref name="units"/> base units of <paramref name="asset"/> to <paramref name="destination"/>, or why it cannot be paid on this chain.</summary>
    (ExecutorPayout? Payout, string? Problem) Withdrawal(string asset, BigInteger units, string destination);

    /// <summary>The payout of a seizure of <paramref name="units"/> of <paramref name="asset"/> to the liquidation receiver, or why it cannot be paid.</summary>
    (ExecutorPayout? Payout, string? Problem) Seizure(string asset, BigInteger units);
}

/// <summary>
/// A grain decision as the outbox holds it: kind <c>withdraw</c> (<see cref="MarginAccountGrain"/>'s
/// <c>{Account, Chain, Asset, Units, Destination}</c>) or <c>seize</c> (<see cref="SeizeAction"/>), read in one place.
/// </summary>
public sealed record GrainDecision(string Kind, string Account, string Asset, string Units, string? Destination)
{
    /// <summary>Whether the outbox kind is one the grains write (the rest is passed to the executor unchanged).</summary>
    public static bool IsGrainKind(string kind) => kind is MarginAccountGrain.WithdrawKind or SeizeAction.Kind;

    /// <summary>The decision in <paramref name="action"/>; throws <see cref="FormatException"/> when its payload is not one.</summary>
    public static GrainDecision Read(ChainAction action)
    {
        try
        {
            return action.Kind switch
            {
                MarginAccountGrain.WithdrawKind => JsonSerializer.Deserialize<WithdrawPayload>(action.PayloadJson) is { } w
                    ? new GrainDecision(action.Kind, w.Account, w.Asset, w.Units, w.Destination)
                    : throw new FormatException($"Outbox action {action.ActionId} has an empty payload."),
                SeizeAction.Kind => JsonSerializer.Deserialize<SeizeAction>(action.PayloadJson) is { } s
                    ? new GrainDecision(action.Kind, s.Account, s.Asset, s.Units, null)
                    : throw new FormatException($"Outbox action {action.ActionId} has an empty payload."),
                _ => throw new FormatException($"Outbox action {action.ActionId} of kind '{action.Kind}' is not a grain decision."),
            };
        }
        catch (JsonException e)
        {
            throw new FormatException($"Outbox action {action.ActionId} ({action.Kind}) carries no readable payload: {e.Message}", e);
        }
    }

    /// <summary>The executor's payout for this decision on a chain, or why it cannot be paid there.</summary>
    public (ExecutorPayout? Payout, string? Problem) On(IChainPayouts payouts)
    {
        if (string.IsNullOrEmpty(Account))
        {
            return (null, "the decision names no account");
        }

        if (!BigInteger.TryParse(Units, NumberStyles.None, CultureInfo.InvariantCulture, out var units) || units.IsZero)
        {
            return (null, $"units '{Units}' is not a positive integer");
        }

        return Kind == SeizeAction.Kind ? payouts.Seizure(Asset, units) : payouts.Withdrawal(Asset, units, Destination ?? "");
    }

    /// <summary>The grain's withdrawal payload (default, PascalCase JSON names, units as text).</summary>
    internal sealed record WithdrawPayload(string Account, string Chain, string Asset, string Units, string Destination);
}
