using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Vault;

/// <summary>One EVM chain's vault as Clearing watches it. Startup fails closed on anything missing (DESIGN.md §6).</summary>
public sealed record EvmVaultOptions
{
    /// <summary>Clearing's name for the chain ("ethereum", "arbitrum"): the chain part of every deposit key.</summary>
    public required string Chain { get; init; }

    public required ulong ChainId { get; init; }

    public required EvmAddress Vault { get; init; }

    /// <summary>The allowlist: token contract → asset symbol. <see cref="EvmAddress.Zero"/> stands for the native coin.</summary>
    public required IReadOnlyDictionary<EvmAddress, string> Tokens { get; init; }

    /// <summary>The first block to read (the vault's deployment block).</summary>
    public ulong StartBlock { get; init; }

    /// <summary>Largest block range per eth_getLogs request; providers cap it (often 2,000 to 10,000 blocks).</summary>
    public ulong BlocksPerLogQuery { get; init; } = 2_000;

    /// <summary>Throws with every problem at once when the options cannot be run safely.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Chain))
        {
            problems.Add("the chain name is empty");
        }

        if (ChainId == 0)
        {
            problems.Add("the chain id is 0");
        }

        if (Vault.IsZero)
        {
            problems.Add("the vault address is the zero address (or missing)");
        }

        if (Tokens is null || Tokens.Count == 0)
        {
            problems.Add("the token allowlist is empty");
        }

        if (BlocksPerLogQuery == 0)
        {
            problems.Add("BlocksPerLogQuery is 0");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"EVM vault options for '{Chain}' are unusable: {string.Join("; ", problems)}.");
        }
    }
}
