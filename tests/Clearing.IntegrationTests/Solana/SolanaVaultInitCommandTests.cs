using System.Text.Json;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Solana;

/// <summary><c>clearing vault init</c> run as an operator runs it, against a devnet whose slot clock runs on its own (100 ms).</summary>
[Trait("RealComponent", "true")]
public sealed class SolanaVaultInitCommandTests : IAsyncLifetime
{
    private SolanaDevnet? devnet;
    private string folder = "";

    public async Task InitializeAsync()
    {
        devnet = await SolanaDevnet.StartAsync(finalizedLagSlots: 8, slotMilliseconds: 100);
        folder = Directory.CreateTempSubdirectory("clearing-vault-init-").FullName;
    }

    public async Task DisposeAsync()
    {
        Directory.Delete(folder, recursive: true);
        if (devnet is not null)
        {
            await devnet.DisposeAsync();
        }
    }

    [Fact]
    public async Task Init_creates_the_authority_token_account_of_each_mint_prints_them_and_is_idempotent()
    {
        using var scenario = await SolanaVaultScenario.StartAsync(devnet!, seed: 60); // provides a real mint
        var keyFile = Path.Combine(folder, "vault-authority.json");
        var created = await ClearingProcess.RunAsync("keys", "new", "--chain", "solana", "--out", keyFile);
        Assert.Equal(0, created.ExitCode);
        var authority = PublicKey.Parse(created.StandardOutput.Trim());
        await scenario.FinalizeAsync((await scenario.Client.RequestAirdropAsync(authority, 1_000_000_000, Commitment.Confirmed)).Value);
        var mint = scenario.Mint.PublicKey;
        var expected = AssociatedTokenAccountProgram.FindAddress(authority, mint);

        var first = await ClearingProcess.RunAsync("vault", "init", "--rpc", devnet!.Url.ToString(), "--key", keyFile, "--mint", mint.ToString());
        Assert.True(first.ExitCode == 0, first.StandardError);
        var printed = JsonDocument.Parse(first.StandardOutput).RootElement;
        Assert.Equal(authority.ToString(), printed.GetProperty("authority").GetString());
        var account = Assert.Single(printed.GetProperty("accounts").EnumerateArray());
        Assert.Equal(
            (mint.ToString(), ProgramIds.Token.ToString(), expected.ToString()),
            (account.GetProperty("mint").GetString(), account.GetProperty("tokenProgram").GetString(), account.GetProperty("tokenAccount").GetString()));
        var onChain = (await scenario.Client.GetTokenAccountAsync(expected, Commitment.Confirmed)).Value.Value!;
        Assert.Equal((mint, authority, 0ul), (onChain.Mint, onChain.Owner, onChain.TokenAmount.BaseUnits));

        var again = await ClearingProcess.RunAsync("vault", "init", "--rpc", devnet.Url.ToString(), "--key", keyFile, "--mint", mint.ToString());
        Assert.True(again.ExitCode == 0, again.StandardError);
        Assert.Equal(expected.ToString(), JsonDocument.Parse(again.StandardOutput).RootElement.GetProperty("accounts")[0].GetProperty("tokenAccount").GetString());
    }

    [Fact]
    public async Task Init_refuses_a_mint_that_does_not_exist()
    {
        var keyFile = Path.Combine(folder, "vault-authority.json");
        Assert.Equal(0, (await ClearingProcess.RunAsync("keys", "new", "--chain", "solana", "--out", keyFile)).ExitCode);
        var missing = new PublicKey(Enumerable.Repeat((byte)7, 32).ToArray());

        var result = await ClearingProcess.RunAsync("vault", "init", "--rpc", devnet!.Url.ToString(), "--key", keyFile, "--mint", missing.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.StandardError, StringComparison.Ordinal);
    }
}
