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
}
