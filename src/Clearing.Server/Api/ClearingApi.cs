using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Actors.Storage;
using Clearing.Grains;
using Clearing.Grains.Events;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.UnitOfWork;
using Clearing.Server.Chains;
using Clearing.Server.Cli;
using Clearing.Server.Telemetry;
using Clearing.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Clearing.Server.Api;

/// <summary>
/// Registration of the member API and what it runs on: the database (section <c>Persistence</c>), the actor host with
/// Clearing's grains, the credentials (<c>Clearing:Members</c>) and the risk configuration (<c>Clearing:Risk:File</c>).
/// A <see cref="TimeProvider"/> or <see cref="IRiskConfigurationProvider"/> registered before this call is kept (tests).
/// </summary>
public static class ClearingApi
{
    public const string RiskFileKey = "Clearing:Risk:File";

    /// <summary>Reads the credentials and the risk file now, so a missing secret file fails the start, not a request.</summary>
    public static WebApplicationBuilder AddClearingApi(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var credentials = ApiCredentialStore.FromConfiguration(configuration);
        var persistence = configuration.GetSection(PersistenceOptions.Section).Get<PersistenceOptions>()
            ?? throw new ApiConfigurationException($"Section {PersistenceOptions.Section} (Provider, ConnectionString) is missing.");
        if (string.IsNullOrWhiteSpace(persistence.Provider) || string.IsNullOrWhiteSpace(persistence.ConnectionString))
        {
            throw new ApiConfigurationException($"{PersistenceOptions.Section}:Provider and {PersistenceOptions.Section}:ConnectionString are required.");
        }

        var database = ClearingDatabase.FromOptions(persistence);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(d => d.ServiceType == typeof(IRiskConfigurationProvider)))
        {
            services.AddSingleton<IRiskConfigurationProvider>(ReadRiskFile(configuration));
        }

        services.AddSingleton(credentials);
        services.AddSingleton(database);
        services.AddSingleton<NonceStore>();
        services.AddSingleton<ApiIdempotencyStore>();
        services.AddSingleton<WithdrawalStatusReader>();

        // The grains resolve IAccountEventSink from this container (ActorHost's service provider) and publish after commit.
        services.TryAddSingleton<AccountEventHub>();
        services.AddSingleton<IAccountEventSink>(provider => provider.GetRequiredService<AccountEventHub>());
        services.AddSingleton(DurableUnitOfWork.FromOptions(database, persistence)); // Persistence:GroupCommit, off unless configured
        services.AddSingleton(new CursorStore(database));
        services.AddSingleton(provider => new ActorHost(
            new ActorHostOptions { HostId = configuration["Clearing:HostId"] ?? Environment.MachineName },
            new GrainRegistry().AddClearingGrains(),
            SqlActorStores.For(database),
            provider.GetRequiredService<TimeProvider>(),
            provider));
        services.AddSingleton(provider => provider.GetRequiredService<ActorHost>().GrainFactory);
        services.AddHostedService<GrainHostService>();
        services.AddProblemDetails();
        return builder;
    }

    public static WebApplication UseClearingApi(this WebApplication app)
    {
        app.UseMiddleware<RequestAuthentication>();
        app.MapClearingApi();
        return app;
    }

    /// <summary>The risk parameters in the format of <c>clearing margin</c> (MARGIN.md): assets, collateral, markets, policy; accounts are ignored.</summary>
    private static RiskConfiguration ReadRiskFile(IConfiguration configuration)
    {
        var path = configuration[RiskFileKey];
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new ApiConfigurationException($"{RiskFileKey} must name an existing risk file (the `clearing margin` input format: assets, collateral, markets), got '{path}'.");
        }

        MarginPortfolio portfolio;
        try
        {
            portfolio = MarginPortfolio.Parse(File.ReadAllText(path));
        }
        catch (MarginInputException e)
        {
            throw new ApiConfigurationException($"{RiskFileKey} '{path}': {e.Message}");
        }

        var context = portfolio.Context;
        return new RiskConfiguration(context.Settlement)
        {
            Collateral = context.Collateral,
            Prices = context.Prices,
            Markets = context.Markets,
            MarketStates = context.MarketStates,
            ChainHaircuts = context.ChainHaircuts,
            PricePolicy = context.PricePolicy,
        };
    }

    /// <summary>Migrates the schema, creates the API's table and starts the actor host before Kestrel takes requests; stops it last.</summary>
    private sealed class GrainHostService(ClearingDatabase database, ApiIdempotencyStore idempotency, ActorHost host, TimeProvider clock) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await new SchemaMigrator(database, clock).MigrateAsync(cancellationToken);
            await idempotency.EnsureSchemaAsync(cancellationToken);
            await host.StartAsync();
        }

        public Task StopAsync(CancellationToken cancellationToken) => host.StopAsync(cancellationToken);
    }
}

/// <summary>The thin host: service defaults (telemetry, /health, /metrics) plus the member API.</summary>
public static class ClearingApiHost
{
    /// <param name="configure">Runs before <see cref="ClearingApi.AddClearingApi"/>: extra configuration or services (tests: a fake clock).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        builder.AddClearingApi();
        builder.AddOperationsMetrics();
        builder.AddChainsAndOracles();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.UseClearingApi();
        app.MapOperatorPriceEndpoints();
        return app;
    }
}
