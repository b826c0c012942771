using Clearing.Server.Api;
using Clearing.Server.Oracles;
using Microsoft.AspNetCore.Builder;

namespace Clearing.Server.Chains;

public static class ServeChainsRegistration
{
    /// <summary>
    /// The oracles (<c>Clearing:Oracles</c>), the EVM chains (<c>Clearing:Evm:Chains</c>) and the Solana chain
    /// (<c>Clearing:Solana</c>), each read and validated now. A start that would fail for several sections names every
    /// problem of every section at once, so an operator fixes the configuration in one pass. Call after <c>AddClearingApi</c>.
    /// </summary>
    public static WebApplicationBuilder AddChainsAndOracles(this WebApplicationBuilder builder)
    {
        var refusals = new List<string>();
        foreach (var add in (Func<WebApplicationBuilder, WebApplicationBuilder>[])[OracleRegistration.AddOracles, EvmChainRegistration.AddEvmChains, SolanaChainRegistration.AddSolanaChain])
        {
            try
            {
                add(builder);
            }
            catch (ApiConfigurationException refusal)
            {
                refusals.Add(refusal.Message);
            }
        }

        return refusals.Count == 0 ? builder : throw new ApiConfigurationException(string.Join(" ", refusals));
    }
}
