using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;

namespace Clearing.Chains.Solana.Vault;

/// <summary>An allowlisted mint: the asset symbol it is credited as, the token program that owns it, and its decimals.</summary>
public sealed record SolanaAllowedMint(string Asset, PublicKey TokenProgram, byte Decimals);

/// <summary>
/// Solana custody as Clearing watches and spends it (contracts/solana/README.md): the vault authority owns one
/// associated token account per allowlisted mint; native SOL is held by a separate SOL vault address. Startup fails
/// closed on anything missing (DESIGN.md §6).
/// </summary>
public sealed record SolanaVaultOptions
{
    /// <summary>Clearing's name for the chain ("solana"): the chain part of every deposit key.</summary>
    public required string Chain { get; init; }

    /// <summary>The key that owns every vault token account (and signs withdrawals and seizures).</summary>
    public required PublicKey VaultAuthority { get; init; }

    /// <summary>The allowlist: mint → (asset, token program, decimals).</summary>
    public required IReadOnlyDictionary<PublicKey, SolanaAllowedMint> Mints { get; init; }

    /// <summary>The account that receives native SOL deposits, or null when SOL is not collateral.</summary>
    public PublicKey? SolVault { get; init; }

    /// <summary>Asset symbol of native SOL deposits.</summary>
    public string SolAsset { get; init; } = "SOL";

    /// <summary>Signatures per getSignaturesForAddress page (the node's maximum is 1000).</summary>
    public int SignaturesPerPage { get; init; } = 1000;

    /// <summary>Transactions per getTransaction JSON-RPC batch.</summary>
    public int TransactionsPerBatch { get; init; } = 100;

    /// <summary>The vault token account of <paramref name="mint"/>: the authority's associated token account under the mint's program.</summary>
    public PublicKey VaultTokenAccount(PublicKey mint) =>
        Mints.TryGetValue(mint, out var allowed)
            ? AssociatedTokenAccountProgram.FindAddress(VaultAuthority, mint, allowed.TokenProgram)
            : throw new ArgumentException($"{mint} is not in {Chain}'s mint allowlist.", nameof(mint));

    /// <summary>Every address the watcher reads history of: the vault token accounts (in mint order), then the SOL vault.</summary>
    public IReadOnlyList<PublicKey> WatchedAddresses() =>
    [
        .. Mints.Keys.Order().Select(VaultTokenAccount),
        .. SolVault is { } sol ? [sol] : Array.Empty<PublicKey>(),
    ];

    /// <summary>Throws with every problem at once when the options cannot be run safely.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Chain))
        {
            problems.Add("the chain name is empty");
        }

        if (VaultAuthority == PublicKey.Default)
        {
            problems.Add("the vault authority is the default (all-zero) key, or missing");
        }

        if (Mints is null || Mints.Count == 0)
        {
            problems.Add("the mint allowlist is empty");
        }
        else
        {
            foreach (var (mint, allowed) in Mints)
            {
                if (mint == PublicKey.Default)
                {
                    problems.Add("the allowlist holds the default (all-zero) mint");
                }

                if (!ProgramIds.IsTokenProgram(allowed.TokenProgram))
                {
                    problems.Add($"mint {mint}: {allowed.TokenProgram} is neither the Token nor the Token-2022 program");
                }

                if (string.IsNullOrWhiteSpace(allowed.Asset))
                {
                    problems.Add($"mint {mint} has no asset symbol");
                }
            }
        }

        if (SolVault is { } solVault && (solVault == PublicKey.Default || solVault == VaultAuthority))
        {
            problems.Add("the SOL vault is the default key or the vault authority itself (its fee payments would look like withdrawals)");
        }

        if (SignaturesPerPage is < 1 or > 1000)
        {
            problems.Add($"SignaturesPerPage {SignaturesPerPage} is outside 1..1000");
        }

        if (TransactionsPerBatch < 1)
        {
            problems.Add("TransactionsPerBatch is below 1");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"Solana vault options for '{Chain}' are unusable: {string.Join("; ", problems)}.");
        }
    }
}
