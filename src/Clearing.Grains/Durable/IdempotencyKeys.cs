using Clearing.Chains;

namespace Clearing.Grains.Durable;

/// <summary>
/// Idempotency keys (and journal transaction / decision ids) of commands. A credit's key is global — one deposit is
/// credited once, to an account or to suspense — while a member's command ids are scoped to the account.
/// </summary>
public static class IdempotencyKeys
{
    public static string Credit(DepositKey key) => $"credit:{key}";

    public static string Withdrawal(string accountId, string commandId) => $"withdraw:{accountId}:{commandId}";

    public static string Settlement(string decisionId) => $"settle:{decisionId}";

    public static string Funding(string accountId, string market, string index) => $"funding:{accountId}:{market}:{index}";

    public static string Trade(string accountId, string commandId) => $"trade:{accountId}:{commandId}";

    public static string LiquidationPlan(string accountId, string planId) => $"liquidate:{accountId}:{planId}";

    public static string SeizureResult(string decisionId) => $"seized:{decisionId}";

    public static string Route(string planId) => $"route:{planId}";

    public static string SeizureSettlement(string decisionId) => $"seizure:{decisionId}";

    public static string LiquidationCompleted(string liquidationId) => $"liquidated:{liquidationId}";

    public static string InsuranceSettlement(string liquidationId) => $"insurance:{liquidationId}";

    public static string IsolatedMove(string accountId, string commandId) => $"isolate:{accountId}:{commandId}";
}
