using Clearing.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Clearing.Server.Chains;

public static class SolanaChainRegistration
{
    /// <summary>
    /// Reads and validates <c>Clearing:Solana</c> now (an unusable section stops the start with every problem named) and,
    /// when present, runs the <see cref="SolanaChainWorker"/> and registers its deposit instructions. Call after
    /// <c>AddClearingApi</c>, so the actor host starts first.
    /// </summary>
    public static WebApplicationBuilder AddSolanaChain(this WebApplicationBuilder builder)
    {
        if (SolanaChainConfiguration.Read(builder.Configuration) is not { } chain)
        {
            return builder;
        }

        builder.Services.AddSingleton<IHostedService>(provider => ActivatorUtilities.CreateInstance<SolanaChainWorker>(provider, chain));
        builder.Services.AddSingleton<IDepositInstructionProvider>(new SolanaDepositInstructionProvider(chain));
        return builder;
    }
}

/// <summary>
/// How to deposit on the Solana chain: an SPL Transfer or TransferChecked of an allowlisted mint into the vault's
/// token account for that mint, with a Memo instruction whose text is the account id (<c>AccountField</c>).
/// <c>Vault</c> is the vault authority (the owner of every vault token account); <c>Assets</c> maps each asset symbol
/// to its vault token account.
/// </summary>
public sealed class SolanaDepositInstructionProvider(SolanaChain chain) : IDepositInstructionProvider
{
    public const string Kind = "solana-vault";

    private readonly Dictionary<string, string> vaultAccounts = chain.Vault.Mints.ToDictionary(
        pair => pair.Value.Asset,
        pair => chain.Vault.VaultTokenAccount(pair.Key).ToString(),
        StringComparer.Ordinal);

    public IEnumerable<ChainDepositInstruction> For(string accountId) =>
        [new ChainDepositInstruction(chain.Name, Kind, chain.Vault.VaultAuthority.ToString(), accountId, vaultAccounts)];
}
