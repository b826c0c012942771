using System.Text.Json;
using Clearing.Grains.Accounts;
using Clearing.Persistence;
using Clearing.Persistence.Outbox;
using Clearing.Server.Chains;

namespace Clearing.Server.Api;

/// <summary>
/// A withdrawal's life as the API shows it, from the account grain's reservation and the outbox action of its decision
/// (the grain writes both in one commit): <c>requested</c> (reserved, no action visible) → <c>planned</c> (action
/// waiting for the chain's executor) → <c>executed</c> (signed and sent: <c>transaction</c> is the chain's transaction
/// id) → <c>confirmed</c> | <c>failed</c> (with the reason). <c>settled</c>: the account no longer holds the reservation
/// (paid out of custody, or the units returned).
/// </summary>
public sealed class WithdrawalStatusReader(ClearingDatabase database)
{
    public const int MaxList = 500;

    private readonly OutboxStore outbox = new(database);

    /// <summary>The account's withdrawals, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<WithdrawalStatusResponse>> ListAsync(AccountSnapshot account, int limit, CancellationToken cancellationToken)
    {
        // Decision ids of withdrawals are withdraw:<account>:<command id> (the grain's idempotency key); an equality on
        // the prefix, not LIKE, because account ids may contain '_' and no collation can reorder an equality.
        var prefix = $"{MarginAccountGrain.WithdrawKind}:{account.AccountId}:";
        var rows = new List<WithdrawalStatusResponse>();
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var select = DbCommands.Command(connection, """
                SELECT decision_id, payload_json, state, tx_id, failure_reason, created_at_ms, updated_at_ms FROM outbox_action
                WHERE kind = @kind AND substr(decision_id, 1, @length) = @prefix
                ORDER BY action_id DESC LIMIT @limit
                """, ("@kind", MarginAccountGrain.WithdrawKind), ("@length", prefix.Length), ("@prefix", prefix), ("@limit", limit)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(ToResponse(
                    account,
                    reader.GetString(0),
                    reader.GetString(1),
                    Enum.Parse<OutboxState>(reader.GetString(2), ignoreCase: true),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture)),
                    DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        // A reservation is committed with its action: one whose action is not on this page is older than the page
        // (shown only if still in flight) or a read racing the commit (requested).
        var inFlight = new List<WithdrawalStatusResponse>();
        foreach (var reservation in account.Reservations.Where(r => rows.All(row => row.DecisionId != r.DecisionId)))
        {
            inFlight.Add(await FindAsync(account, reservation.DecisionId, cancellationToken) ?? Requested(account.AccountId, reservation));
        }

        return [.. inFlight, .. rows];
    }

    /// <summary>One withdrawal of this account by decision id, or null when the account has none with that id.</summary>
    public async Task<WithdrawalStatusResponse?> FindAsync(AccountSnapshot account, string decisionId, CancellationToken cancellationToken)
    {
        if (!decisionId.StartsWith($"{MarginAccountGrain.WithdrawKind}:{account.AccountId}:", StringComparison.Ordinal))
        {
            return null;
        }

        var action = await outbox.FindByDecisionAsync(decisionId, cancellationToken);
        if (action is null || action.Kind != MarginAccountGrain.WithdrawKind)
        {
            return account.Reservations.FirstOrDefault(r => r.DecisionId == decisionId) is { } reservation ? Requested(account.AccountId, reservation) : null;
        }

        return ToResponse(account, action.DecisionId, action.PayloadJson, action.State, action.TxId, action.FailureReason, action.CreatedAt, action.UpdatedAt);
    }

    private static WithdrawalStatusResponse ToResponse(
        AccountSnapshot account, string decisionId, string payloadJson, OutboxState state, string? transaction, string? failure, DateTimeOffset createdAt, DateTimeOffset updatedAt)
    {
        var payload = JsonSerializer.Deserialize<GrainDecision.WithdrawPayload>(payloadJson)
            ?? throw new InvalidOperationException($"Outbox action {decisionId} has an empty payload.");
        var status = state switch
        {
            OutboxState.Planned => "planned",
            OutboxState.Signed or OutboxState.Broadcast => "executed",
            OutboxState.Confirmed => "confirmed",
            _ => "failed",
        };
        var settled = account.Reservations.All(r => r.DecisionId != decisionId);
        return new WithdrawalStatusResponse(CommandId(account.AccountId, decisionId), decisionId, payload.Account, status, payload.Chain, payload.Asset, payload.Units, payload.Destination,
            transaction, failure, settled, createdAt, updatedAt);
    }

    private static WithdrawalStatusResponse Requested(string accountId, ReservationView reservation) =>
        new(CommandId(accountId, reservation.DecisionId), reservation.DecisionId, accountId, "requested", reservation.Chain, reservation.Asset,
            reservation.Units.ToString(System.Globalization.CultureInfo.InvariantCulture), reservation.Destination, null, null, false, null, null);

    private static string CommandId(string accountId, string decisionId) => decisionId[($"{MarginAccountGrain.WithdrawKind}:{accountId}:").Length..];
}
