using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Clearing.Server.Chains;

public static class EvmChainRegistration
{
    /// <summary>
    /// Reads and validates <c>Clearing:Evm:Chains</c> now (a bad chain stops the start with every problem named) and runs
    /// one <see cref="EvmChainWorker"/> per chain. Call after <c>AddClearingApi</c>, so the actor host starts first.
    /// </summary>
    public static WebApplicationBuilder AddEvmChains(this WebApplicationBuilder builder)
    {
        var chains = EvmChainConfiguration.Read(builder.Configuration);
        if (chains.Count > 0)
        {
            builder.Services.AddSingleton<Api.IDepositInstructionProvider>(new Api.EvmDepositInstructionProvider(chains));
        }

        foreach (var chain in chains)
        {
            builder.Services.AddSingleton<IHostedService>(provider => ActivatorUtilities.CreateInstance<EvmChainWorker>(provider, chain));
        }

        return builder;
    }
}
