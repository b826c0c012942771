using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Evm;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Vault;
using Clearing.TestKit;

namespace Clearing.Benchmarks;

/// <summary>
/// `dotnet run -c Release -- evm-deposits [deposits] [per block] [rounds]`: finalized ERC-20 deposits credited per
/// second from a real anvil's logs into a real PostgreSQL, through the production path (EvmDepositWatcher →
/// DurableDepositSink → ChainDepositsGrain → one transaction: cursor, credits and inbox rows → account absorbs).
/// The deposits are made once (automine off, many per block, then finalized); each round credits all of them in one
/// watcher poll into a fresh database on a fresh host, and is timed. A macro benchmark with external processes,
/// hence a custom mode rather than BenchmarkDotNet.
/// </summary>
internal static class EvmDepositThroughput
{
    private const string Chain = "bench-evm";
    private const ulong ChainId = 31337;

    /// <summary>Distinct margin accounts the deposits are spread over (round robin).</summary>
    private const int Accounts = 200;

    /// <summary>Gas given to each deposit (about 60,000 used): with anvil's 30,000,000 block gas limit, up to 150 fit a block.</summary>
    private const long DepositGas = 200_000;

    private static readonly AbiFunction Mint = AbiFunction.Parse("mint(address to, uint256 amount)");

    public static int Run(string[] args)
    {
        var deposits = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
        var perBlock = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
        var rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
        return RunAsync(deposits, perBlock, rounds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int deposits, int perBlock, int rounds)
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var node = await AnvilNode.StartAsync(ChainId);
        using var http = new HttpClient();

        var setup = Stopwatch.StartNew();
        var (token, vault) = await MakeDepositsAsync(node, deposits, perBlock);
        var blocks = await node.BlockNumberAsync("finalized");
        Console.WriteLine($"setup: {deposits:N0} deposits over {Accounts} accounts, at most {perBlock} per block, finalized through block {blocks}, in {setup.Elapsed.TotalSeconds:F1} s");

        var options = new EvmVaultOptions { Chain = Chain, ChainId = ChainId, Vault = vault, Tokens = new Dictionary<EvmAddress, string> { [token] = "USDC" } };
        for (var round = 1; round <= rounds; round++)
        {
            var measured = await DepositBenchmarkHost.MeasureRoundAsync(postgres, Chain, 6, round, deposits, async sink =>
            {
                var result = await new EvmDepositWatcher(new EvmRpcClient(http, node.Url), options, sink).PollOnceAsync(CancellationToken.None);
                return (result.FinalCommitted, "");
            });
            if (!measured)
            {
                return 1;
            }
        }

        return 0;
    }

    /// <summary>Deploys a 6-decimal token and a vault, then deposits with automine off, <paramref name="perBlock"/> per mined block, and finalizes them.</summary>
    private static async Task<(EvmAddress Token, EvmAddress Vault)> MakeDepositsAsync(AnvilNode node, int deposits, int perBlock)
    {
        var depositor = EvmAddress.Parse(AnvilNode.DevAccount1);
        var token = await DeployAsync(node, "TestToken", "string,string,uint8", "USD Coin", "USDC", (byte)6);
        var vault = await DeployAsync(node, "ClearingVault", "address", EvmAddress.Parse(AnvilNode.DevAccount0));
        await SendAndWaitAsync(node, AnvilNode.DevAccount0, vault, ClearingVaultAbi.SetAllowedToken.EncodeCall(token, true));
        var total = new BigInteger(deposits) * 2_000_000;
        await SendAndWaitAsync(node, AnvilNode.DevAccount1, token, Mint.EncodeCall(depositor, total));
        await SendAndWaitAsync(node, AnvilNode.DevAccount1, token, Erc20Abi.EncodeApprove(vault, total));

        var accountIds = Enumerable.Range(0, Accounts).Select(i => AccountIdCodec.ToBytes32($"bench-{i:D3}")).ToArray();
        await node.Rpc.CallAsync("evm_setAutomine", false);
        for (var sent = 0; sent < deposits;)
        {
            for (var inBlock = 0; inBlock < perBlock && sent < deposits; inBlock++, sent++)
            {
                // Distinct amounts (1.000000 to 1.999999 USDC) so every credit is a different number.
                var data = ClearingVaultAbi.EncodeDeposit(accountIds[sent % Accounts], token, new BigInteger(1_000_000 + (sent % 1_000_000)));
                await Send(node, AnvilNode.DevAccount1, vault, data, DepositGas);
            }

            await node.MineAsync(1);
        }

        await node.Rpc.CallAsync("evm_setAutomine", true);
        // Finalized trails the head by two blocks (one slot per epoch): three more put every deposit behind it.
        await node.MineAsync(3);
        return (token, vault);
    }

    private static async Task<EvmAddress> DeployAsync(AnvilNode node, string contract, string constructorTypes, params object[] arguments)
    {
        var path = Path.Combine(RepoPaths.Root, "contracts", "evm", "out", contract + ".json");
        if (!File.Exists(path))
        {
            throw new MissingPrerequisiteException($"The EVM contract artifact {path}", "node contracts/evm/build.mjs");
        }

        using var artifact = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        byte[] data = [.. Hex.Decode(artifact.RootElement.GetProperty("bytecode").GetString()!), .. AbiCodec.Encode(constructorTypes, arguments)];
        var receipt = await SendAndWaitAsync(node, AnvilNode.DevAccount0, null, data);
        return EvmAddress.Parse(receipt.GetProperty("contractAddress").GetString()!);
    }

    private static async Task<JsonElement> SendAndWaitAsync(AnvilNode node, string from, EvmAddress? to, byte[] data)
    {
        var hash = await Send(node, from, to, data, gas: null);
        var receipt = default(JsonElement);
        await Wait.UntilAsync(
            async () => (receipt = await node.Rpc.CallAsync("eth_getTransactionReceipt", hash)).ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(30),
            $"the receipt of {hash}");
        if (receipt.GetProperty("status").GetString() != "0x1")
        {
            throw new InvalidOperationException($"Transaction {hash} reverted.");
        }

        return receipt;
    }

    private static async Task<string> Send(AnvilNode node, string from, EvmAddress? to, byte[] data, long? gas)
    {
        var request = new Dictionary<string, string> { ["from"] = from, ["data"] = Hex.Encode(data) };
        if (to is { } address)
        {
            request["to"] = address.ToChecksumString();
        }

        if (gas is { } limit)
        {
            request["gas"] = Hex.EncodeQuantity(limit);
        }

        return (await node.Rpc.CallAsync("eth_sendTransaction", request)).GetString()!;
    }
}
