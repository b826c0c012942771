using System.Text.Json;
using System.Text.Json.Serialization;

namespace Clearing.Server.Demo;

/// <summary>A deposit the scenario made and saw credited: amount in the token's base units (integer string).</summary>
public sealed record SummaryDeposit(string Account, string Chain, string Asset, string Amount, string Transaction);

/// <summary>A seizure of a liquidation, confirmed on its chain in <see cref="Transaction"/>; amount in base units.</summary>
public sealed record SummaryLiquidation(string Account, string Chain, string Asset, string Amount, string Transaction);

/// <summary>An account at the end of the scenario: maintenance health in USD (exact decimal string).</summary>
public sealed record SummaryAccount(string Id, string MaintHealth);

/// <summary>One step of the scenario and how it ended: <c>passed</c>, <c>failed</c> (with the reason) or <c>skipped</c> (a step it needs failed).</summary>
public sealed record SummaryStep(string Name, string Outcome, string? Detail);

/// <summary>One span of a trace: its id, its parent's id (null for the root), how long it took (display only) and the chain transaction an executor step worked on.</summary>
public sealed record SummarySpan(string Id, string Name, string? Parent, double DurationMs, string? Tx = null);

/// <summary>The trace of a liquidation: from the scanner's turn or the API request, through the grain turns, to the chain transaction.</summary>
public sealed record SummaryTrace(string TraceId, IReadOnlyList<SummarySpan> Spans);

/// <summary>What <c>clearing demo --summary FILE</c> writes (issue 7's format, plus the steps and the overall result).</summary>
public sealed record DemoSummary(
    IReadOnlyList<SummaryDeposit> Deposits,
    IReadOnlyList<SummaryLiquidation> Liquidations,
    IReadOnlyList<SummaryAccount> Accounts,
    IReadOnlyList<SummaryStep> Steps,
    bool Passed,
    SummaryTrace? LiquidationTrace = null)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static DemoSummary Parse(string json) =>
        JsonSerializer.Deserialize<DemoSummary>(json, Json) ?? throw new JsonException("The summary is JSON null.");
}
