using System.Data.Common;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Clearing.Actors;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using static Clearing.Server.DbCommands;

namespace Clearing.Server.Telemetry;

/// <summary>
/// Reads what operators need to see from where it is decided: the ledger journal (deposits credited: one custody
/// entry of the chain's vault per deposit), the outbox (actions by state and age; <c>seize</c> actions, which are the
/// liquidations' chain legs, by outcome and units), the chain cursors, and the risk grains (health buckets,
/// liquidatable accounts, insurance fund). Plain aggregate queries that run on PostgreSQL and SQLite alike.
/// </summary>
public sealed class OperationsReader(ClearingDatabase database, IGrainFactory grains, IRiskConfigurationProvider risk)
{
    public async Task<IReadOnlyList<CreditedDeposits>> ReadDepositsAsync(CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            var rows = new List<CreditedDeposits>();
            await using var command = Command(connection, """
                SELECT chain, asset, kind, COUNT(*) FROM ledger_entry
                WHERE kind IN ('deposit', 'deposit-suspense') AND account LIKE 'vault:%'
                GROUP BY chain, asset, kind
                """);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var destination = reader.GetString(2) == "deposit" ? "account" : "suspense";
                rows.Add(new CreditedDeposits(reader.GetString(0), reader.GetString(1), destination, Int64(reader, 3)));
            }

            return rows;
        }, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<OutboxGroup>> ReadOutboxAsync(CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            var rows = new List<OutboxGroup>();
            await using var command = Command(connection,
                "SELECT chain, kind, state, COUNT(*), MIN(created_at_ms) FROM outbox_action GROUP BY chain, kind, state");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new OutboxGroup(reader.GetString(0), reader.GetString(1), reader.GetString(2), Int64(reader, 3),
                    DateTimeOffset.FromUnixTimeMilliseconds(Int64(reader, 4))));
            }

            return rows;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>Seizures by chain, asset and outcome; the units come from each action's payload (<see cref="SeizeAction"/>).</summary>
    public async Task<IReadOnlyList<SeizureGroup>> ReadSeizuresAsync(CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            var groups = new Dictionary<(string Chain, string Asset, string Outcome), (long Count, BigInteger Units)>();
            await using var command = Command(connection, $"SELECT chain, state, payload_json FROM outbox_action WHERE kind = '{SeizeAction.Kind}'");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var (asset, units) = SeizedUnits(reader.GetString(2));
                var outcome = reader.GetString(1) switch
                {
                    "confirmed" => "paid",
                    "failed" => "failed",
                    _ => "executing",
                };
                var key = (reader.GetString(0), asset, outcome);
                var (count, total) = groups.GetValueOrDefault(key);
                groups[key] = (count + 1, total + units);
            }

            return groups.Select(g => new SeizureGroup(g.Key.Chain, g.Key.Asset, g.Key.Outcome, g.Value.Count, g.Value.Units)).ToList();
        }, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyDictionary<string, long>> ReadCursorsAsync(CancellationToken cancellationToken) =>
        await database.ReadAsync(async connection =>
        {
            var cursors = new Dictionary<string, long>(StringComparer.Ordinal);
            await using var command = Command(connection, "SELECT chain, position FROM chain_cursor");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                cursors[reader.GetString(0)] = Int64(reader, 1);
            }

            return cursors;
        }, cancellationToken).ConfigureAwait(false);

    public Task<RiskBookStats> ReadRiskBookAsync() => grains.GetGrain<INettingGrain>(NettingGrainKey.Book).GetStatsAsync();

    /// <summary>The fund's balances, with an explicit 0 for every collateral (chain, asset) it holds none of: an empty fund is a fact to chart.</summary>
    public async Task<InsuranceFundView> ReadInsuranceFundAsync()
    {
        var fund = await grains.GetGrain<IInsuranceFundGrain>(InsuranceFundKey.Fund).GetAsync();
        var held = fund.Balances.Select(b => (b.Chain, b.Asset)).ToHashSet();
        var empty = risk.Current.Collateral.Keys
            .Where(key => !held.Contains((key.Chain.Name, key.Asset)))
            .Select(key => new InsuranceBalanceView(key.Chain.Name, key.Asset, Int128.Zero));
        return fund with { Balances = [.. fund.Balances, .. empty] };
    }

    /// <summary>A malformed payload counts under asset "unknown" with no units rather than hiding the action.</summary>
    private static (string Asset, BigInteger Units) SeizedUnits(string payloadJson)
    {
        try
        {
            var action = JsonSerializer.Deserialize<SeizeAction>(payloadJson);
            if (action is not null && BigInteger.TryParse(action.Units, NumberStyles.None, CultureInfo.InvariantCulture, out var units))
            {
                return (action.Asset, units);
            }
        }
        catch (JsonException)
        {
            // Falls through to "unknown".
        }

        return ("unknown", BigInteger.Zero);
    }

    /// <summary>COUNT(*) is a bigint on PostgreSQL and an integer on SQLite; both fit a long.</summary>
    private static long Int64(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);
}
