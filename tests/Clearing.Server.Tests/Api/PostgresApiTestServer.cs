using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;
using Clearing.Chains.Evm.Vault;
using Clearing.Grains.Risk;
using Clearing.Server.Api;
using Clearing.Server.Chains;
using Clearing.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.Server.Tests.Api;

/// <summary>
/// <see cref="ApiTestServer"/> on a fresh database of a real PostgreSQL server (<see cref="PostgresFixture"/>), with the
/// EVM deposit instructions of one chain (<see cref="Vault"/>, USDC at <see cref="UsdcToken"/> and the native coin).
/// </summary>
public sealed class PostgresApiTestServer : IAsyncLifetime
{
    public const string Vault = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    public const string UsdcToken = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";

    private readonly PostgresFixture postgres = new();

    public ApiTestServer Api { get; private set; } = null!;

    public PostgresServer Postgres => postgres.Server;

    /// <summary>The grains' risk configuration; a test may move prices (and must put them back).</summary>
    public MutableRisk Risk { get; } = new(ApiTestServer.Risk);

    public async Task InitializeAsync()
    {
        await postgres.InitializeAsync();
        var chain = new EvmChain(
            new Uri("http://127.0.0.1:8545"),
            new EvmVaultOptions
            {
                Chain = ApiTestServer.Chain,
                ChainId = 31337,
                Vault = EvmAddress.Parse(Vault),
                Tokens = new Dictionary<EvmAddress, string> { [EvmAddress.Parse(UsdcToken)] = "USDC", [EvmAddress.Zero] = "ETH" },
            },
            EvmPrivateKey.FromBytes(Enumerable.Repeat((byte)0x11, 32).ToArray()),
            TimeSpan.FromSeconds(2));
        Api = new ApiTestServer(postgres.CreateDatabaseAsync)
        {
            ConfigureServices = services =>
            {
                services.AddSingleton<IDepositInstructionProvider>(new EvmDepositInstructionProvider([chain]));
                services.AddSingleton<IRiskConfigurationProvider>(Risk);
            },
        };
        await Api.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        await postgres.DisposeAsync();
    }
}

/// <summary>A risk configuration whose prices a test moves (as the oracles would).</summary>
public sealed class MutableRisk(RiskConfiguration initial) : IRiskConfigurationProvider
{
    public RiskConfiguration Current { get; set; } = initial;
}
