namespace Clearing.Actors.Reminders;

/// <summary>A persisted reminder: it ticks at <c>StartAt</c>, then every <c>Period</c>, until unregistered.</summary>
/// <param name="GrainId">The grain it wakes (activating it if needed).</param>
/// <param name="Name">Unique per grain.</param>
/// <param name="StartAt">First tick (UTC). The host writes whole milliseconds; tables must round-trip them exactly.</param>
/// <param name="Period">Time between ticks; whole milliseconds, positive.</param>
public sealed record ReminderEntry(GrainId GrainId, string Name, DateTimeOffset StartAt, TimeSpan Period);
