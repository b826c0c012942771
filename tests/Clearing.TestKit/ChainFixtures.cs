using Xunit;

namespace Clearing.TestKit;

/// <summary>Two EVM chains side by side with different chain ids, as the product sees them (chain A and chain B).</summary>
public sealed class TwoAnvilChainsFixture : IAsyncLifetime
{
    public const ulong ChainAId = 31337;
    public const ulong ChainBId = 31338;

    private AnvilNode? chainA;
    private AnvilNode? chainB;

    public AnvilNode ChainA => chainA ?? throw new InvalidOperationException("anvil A has not started.");

    public AnvilNode ChainB => chainB ?? throw new InvalidOperationException("anvil B has not started.");

    public async Task InitializeAsync()
    {
        var a = AnvilNode.StartAsync(ChainAId);
        var b = AnvilNode.StartAsync(ChainBId);
        chainA = await a;
        chainB = await b;
    }

    public async Task DisposeAsync()
    {
        if (chainA is not null)
        {
            await chainA.DisposeAsync();
        }

        if (chainB is not null)
        {
            await chainB.DisposeAsync();
        }
    }
}

/// <summary>One Solana devnet per test class or collection.</summary>
public sealed class SolanaDevnetFixture : IAsyncLifetime
{
    private SolanaDevnet? devnet;

    public SolanaDevnet Devnet => devnet ?? throw new InvalidOperationException("The Solana devnet has not started.");

    // Tests advance slots themselves; a one-minute slot clock keeps time out of their way.
    public async Task InitializeAsync() => devnet = await SolanaDevnet.StartAsync(finalizedLagSlots: 8, slotMilliseconds: 60_000);

    public async Task DisposeAsync()
    {
        if (devnet is not null)
        {
            await devnet.DisposeAsync();
        }
    }
}
