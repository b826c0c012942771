using System.Globalization;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Rpc;
using Clearing.Oracles.Aggregation;
using Clearing.Server.Api;
using Clearing.Server.Chains;
using Microsoft.Extensions.Configuration;

namespace Clearing.Server.Oracles;

/// <summary>One configured price source of an asset, before it is connected.</summary>
public abstract record OracleSourceSettings(string Name, long HeartbeatSeconds);

/// <summary>A Chainlink-style aggregator at <paramref name="Feed"/> on the EVM chain whose node is <paramref name="RpcUrl"/>.</summary>
public sealed record EvmAggregatorSourceSettings(string Name, long HeartbeatSeconds, string Chain, Uri RpcUrl, EvmAddress Feed) : OracleSourceSettings(Name, HeartbeatSeconds);

/// <summary>A Solana price account (Clearing.Oracles README layout) owned by <paramref name="Publisher"/>.</summary>
public sealed record SolanaAccountSourceSettings(string Name, long HeartbeatSeconds, Uri RpcUrl, PublicKey Account, PublicKey Publisher, Commitment Commitment) : OracleSourceSettings(Name, HeartbeatSeconds);

/// <summary>A price an operator sets through <c>POST /v1/operator/prices/{asset}</c>.</summary>
public sealed record OperatorSourceSettings(string Name, long HeartbeatSeconds) : OracleSourceSettings(Name, HeartbeatSeconds);

public sealed record OracleAssetSettings(string Asset, IReadOnlyList<OracleSourceSettings> Sources);

/// <summary>The validated <c>Clearing:Oracles</c> section.</summary>
public sealed record OracleSettings(TimeSpan RefreshInterval, AggregationRules Rules, IReadOnlyList<OracleAssetSettings> Assets);

/// <summary>
/// Reads <c>Clearing:Oracles</c> (src/Clearing.Server/Chains/README.md, "Oracles"). Absent: the risk file's prices
/// stay. Present: every problem is collected and reported at once, before anything listens. An EVM source names a
/// chain of <c>Clearing:Evm:Chains</c> and reads through its node; a Solana source reads through <c>Clearing:Solana</c>'s.
/// </summary>
public static class OracleConfiguration
{
    public const string Section = "Clearing:Oracles";

    /// <summary>Time between refreshes when none is configured: 1,000 ms.</summary>
    public const int DefaultRefreshIntervalMs = 1_000;

    /// <summary>Divergence threshold when none is configured: 200 bps (2 %).</summary>
    public const int DefaultDivergenceThresholdBps = 200;

    public const string EvmAggregatorKind = "evm-aggregator";
    public const string SolanaAccountKind = "solana-account";
    public const string OperatorKind = "operator";

    public static OracleSettings? Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        if (!section.Exists())
        {
            return null;
        }

        var problems = new List<string>();
        void Problem(string text) => problems.Add($"{Section}: {text}");

        var refreshMs = Integer(section, "RefreshIntervalMs", DefaultRefreshIntervalMs, 1, int.MaxValue, Problem);
        var threshold = Integer(section, "DivergenceThresholdBps", DefaultDivergenceThresholdBps, 0, 10_000, Problem);
        var minimum = Integer(section, "MinimumFreshSources", 1, 1, 16, Problem);
        var assets = new List<OracleAssetSettings>();
        foreach (var asset in section.GetSection("Assets").GetChildren())
        {
            var sources = new List<OracleSourceSettings>();
            foreach (var source in asset.GetSection("Sources").GetChildren())
            {
                if (ReadSource(configuration, source, msg => problems.Add($"{source.Path}: {msg}")) is { } read)
                {
                    sources.Add(read);
                }
            }

            if (!asset.GetSection("Sources").GetChildren().Any())
            {
                Problem($"Assets:{asset.Key} has no Sources");
            }
            else if (asset.GetSection("Sources").GetChildren().Count() < minimum)
            {
                Problem($"Assets:{asset.Key} has fewer sources than MinimumFreshSources ({minimum}); its price could never be live");
            }

            assets.Add(new OracleAssetSettings(asset.Key, sources));
        }

        if (assets.Count == 0)
        {
            Problem("Assets is empty (asset → Sources)");
        }

        if (problems.Count > 0)
        {
            throw new ApiConfigurationException($"{Section} is unusable ({problems.Count} problem(s)): {string.Join("; ", problems)}.");
        }

        return new OracleSettings(TimeSpan.FromMilliseconds(refreshMs), new AggregationRules(minimum, threshold), assets);
    }

    private static OracleSourceSettings? ReadSource(IConfiguration configuration, IConfigurationSection source, Action<string> problem)
    {
        var count = 0;
        void Problem(string text)
        {
            count++;
            problem(text);
        }

        var heartbeat = Integer(source, "HeartbeatSeconds", null, 1, int.MaxValue, Problem);
        OracleSourceSettings? settings = null;
        switch (source["Kind"])
        {
            case EvmAggregatorKind:
            {
                var chain = source["Chain"];
                var rpcText = string.IsNullOrWhiteSpace(chain) ? null : configuration[$"{EvmChainConfiguration.Section}:{chain}:RpcUrl"];
                if (string.IsNullOrWhiteSpace(chain))
                {
                    Problem("Chain is missing (the name of a chain under Clearing:Evm:Chains)");
                }
                else if (rpcText is null || !Uri.TryCreate(rpcText, UriKind.Absolute, out _))
                {
                    Problem($"Chain '{chain}' is not a configured EVM chain with an RpcUrl");
                }

                if (!EvmAddress.TryParse(source["Address"], out var feed) || feed.IsZero)
                {
                    Problem($"Address '{source["Address"]}' is not a non-zero aggregator address");
                }

                if (count == 0)
                {
                    settings = new EvmAggregatorSourceSettings(source.Key, heartbeat, chain!, new Uri(rpcText!), feed);
                }

                break;
            }

            case SolanaAccountKind:
            {
                var rpcText = configuration[$"{SolanaChainConfiguration.Section}:RpcUrl"];
                if (rpcText is null || !Uri.TryCreate(rpcText, UriKind.Absolute, out _))
                {
                    Problem("a Solana source needs Clearing:Solana:RpcUrl");
                }

                if (!PublicKey.TryParse(source["Account"], out var account) || account == PublicKey.Default)
                {
                    Problem($"Account '{source["Account"]}' is not a non-zero base58 address");
                }

                if (!PublicKey.TryParse(source["Publisher"], out var publisher) || publisher == PublicKey.Default)
                {
                    Problem($"Publisher '{source["Publisher"]}' is not a non-zero base58 program id (the owner the account must have)");
                }

                var commitment = Commitment.Confirmed;
                if (source["Commitment"] is { } text && !Enum.TryParse(text, ignoreCase: true, out commitment))
                {
                    Problem($"Commitment '{text}' is not processed, confirmed or finalized");
                }

                if (count == 0)
                {
                    settings = new SolanaAccountSourceSettings(source.Key, heartbeat, new Uri(rpcText!), account, publisher, commitment);
                }

                break;
            }

            case OperatorKind:
                if (count == 0)
                {
                    settings = new OperatorSourceSettings(source.Key, heartbeat);
                }

                break;
            default:
                Problem($"Kind '{source["Kind"]}' is not {EvmAggregatorKind}, {SolanaAccountKind} or {OperatorKind}");
                break;
        }

        return settings;
    }

    private static int Integer(IConfigurationSection section, string key, int? fallback, int min, int max, Action<string> problem)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            if (fallback is null)
            {
                problem($"{key} is missing");
                return min;
            }

            return fallback.Value;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            problem($"{key} '{text}' is not an integer between {min} and {max}");
            return min;
        }

        return value;
    }
}
