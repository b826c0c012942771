using System.Text.Json;

namespace Clearing.Grains.Tests.Crash;

/// <summary>
/// One command of the crash test, as a JSON line on the crash host's stdin. Kinds: <c>deposit</c> (a CreditDeposit of
/// <see cref="Units"/> to <see cref="Account"/>), <c>batch</c> (two deposits through the durable sink, through height
/// <see cref="Height"/>), <c>withdraw</c> and <c>trade</c> (<see cref="Size"/> ETH-PERP at 2,000 USD).
/// </summary>
public sealed record CrashCommand(int Seq, string Kind, string Account, string Id, long Units, string? Size = null, ulong Height = 0)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    public static CrashCommand FromJson(string line) =>
        JsonSerializer.Deserialize<CrashCommand>(line) ?? throw new FormatException($"Not a command: {line}");

    /// <summary>The deposits of a <c>batch</c>: to this account and to the next one, each its own key.</summary>
    public IReadOnlyList<(string Account, string Tx, long Units)> BatchDeposits(int accounts) =>
    [
        (Account, $"{Id}-a", Units),
        ($"a{(int.Parse(Account[1..], System.Globalization.CultureInfo.InvariantCulture) + 1) % accounts}", $"{Id}-b", Units + 1),
    ];
}

/// <summary>The crash host's answer: the command's sequence number and whether the grain accepted it.</summary>
public sealed record CrashAck(int Seq, bool Accepted, bool Replayed);
