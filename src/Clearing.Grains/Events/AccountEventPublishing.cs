namespace Clearing.Grains.Events;

/// <summary>How the grains publish an <see cref="AccountEvent"/>: its fields as text, nowhere when the host has no sink.</summary>
internal static class AccountEventPublishing
{
    public static void Publish(IAccountEventSink? sink, string account, string kind, DateTimeOffset at, params (string Key, string Value)[] data) =>
        (sink ?? NoAccountEvents.Instance).Publish(new AccountEvent(account, kind, at, data.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal)));
}
