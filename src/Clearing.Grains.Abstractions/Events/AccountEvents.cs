namespace Clearing.Grains.Events;

/// <summary>
/// Something that happened to an account, for the member's event stream (server-sent events). Published by a grain
/// only after the command that caused it committed, and never for a replayed command. <paramref name="Data"/> carries
/// the event's fields as text (amounts as base-unit integers or exact decimals), so the stream needs no type knowledge.
/// </summary>
public sealed record AccountEvent(string Account, string Kind, DateTimeOffset At, IReadOnlyDictionary<string, string> Data);

/// <summary>The event kinds a member's stream can carry.</summary>
public static class AccountEventKinds
{
    public const string DepositPending = "deposit.pending";
    public const string DepositCredited = "deposit.credited";
    public const string WithdrawalRequested = "withdrawal.requested";
    public const string WithdrawalSettled = "withdrawal.settled";
    public const string TradeApplied = "trade.applied";

    /// <summary>Maintenance health fell below the margin-call threshold (still above liquidation).</summary>
    public const string MarginCall = "margin.call";

    public const string LiquidationPlanned = "liquidation.planned";
    public const string LiquidationSeizureSettled = "liquidation.seizure-settled";
    public const string LiquidationCompleted = "liquidation.completed";
}

/// <summary>Where grains publish <see cref="AccountEvent"/>s. Must not block or throw: the commit has already happened.</summary>
public interface IAccountEventSink
{
    void Publish(AccountEvent accountEvent);
}

/// <summary>The sink for hosts without an event stream (tests, tools).</summary>
public sealed class NoAccountEvents : IAccountEventSink
{
    public static NoAccountEvents Instance { get; } = new();

    public void Publish(AccountEvent accountEvent)
    {
    }
}
