using Clearing.Grains.Risk;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Clearing.Server.Oracles;

public static class OracleRegistration
{
    /// <summary>
    /// Reads and validates <c>Clearing:Oracles</c> now (every problem named, before anything listens). When present,
    /// the risk configuration the grains see becomes an <see cref="OraclePriceBook"/> over the one registered so far
    /// (the risk file's, or a test's), refreshed by <see cref="OracleRefreshService"/>. Call after <c>AddClearingApi</c>.
    /// </summary>
    public static WebApplicationBuilder AddOracles(this WebApplicationBuilder builder)
    {
        if (OracleConfiguration.Read(builder.Configuration) is not { } settings)
        {
            return builder;
        }

        var services = builder.Services;
        var riskFile = services.LastOrDefault(d => d.ServiceType == typeof(IRiskConfigurationProvider))
            ?? throw new InvalidOperationException("AddOracles needs the risk configuration of AddClearingApi; call it after AddClearingApi.");
        services.RemoveAll<IRiskConfigurationProvider>();
        services.AddSingleton(provider => new OraclePriceBook(Resolve(riskFile, provider), settings, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRiskConfigurationProvider>(provider => provider.GetRequiredService<OraclePriceBook>());
        services.AddSingleton<IHostedService>(provider => ActivatorUtilities.CreateInstance<OracleRefreshService>(provider));
        return builder;
    }

    private static IRiskConfigurationProvider Resolve(ServiceDescriptor descriptor, IServiceProvider provider) =>
        descriptor.ImplementationInstance as IRiskConfigurationProvider
        ?? descriptor.ImplementationFactory?.Invoke(provider) as IRiskConfigurationProvider
        ?? (IRiskConfigurationProvider)ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!);
}
