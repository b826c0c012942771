using System.Net;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Evm.Rpc;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Risk;
using Clearing.Oracles;
using Clearing.Oracles.Aggregation;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Outbox;
using Clearing.Server.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Clearing.ServiceDefaults.Tests.Service;

/// <summary>
/// Gives every source of the operator metrics something to report, through the paths production uses: a deposit
/// credited by the account grain; a member withdrawal and a refused request through the API; a seizure taken through
/// the outbox to confirmed; a watcher's cursor; JSON-RPC calls (one failing) through the real EVM client; heights and
/// pending deposits as a watcher reports them; an oracle evaluation; then one collection of the operations collector.
/// </summary>
public static class OperationsActivity
{
    public static async Task ProduceAsync(ClearingTestService service)
    {
        await service.DepositUsdcAsync("a1", 1_000, "0xfunding");
        using (var withdrawal = await service.Http.SendAsync(ClearingTestService.Signed(
                   HttpMethod.Post, "/v1/accounts/a1/withdrawals", """{"chain":"evm-1","asset":"USDC","units":"100000000","destination":"0xdest"}""", "wd-metrics")))
        {
            withdrawal.EnsureSuccessStatusCode();
        }

        using (var refused = new HttpRequestMessage(HttpMethod.Get, "/v1/accounts/a1"))
        {
            (await service.Http.SendAsync(refused)).Dispose();
        }

        var epoch = service.Host.Epoch!.Value;
        var now = DateTimeOffset.UtcNow;
        var outbox = new OutboxStore(service.Database);
        var seize = new SeizeAction("a1", "liq-1", ClearingTestService.Chain, "USDC", "2500000");
        var seizure = await outbox.PlanAsync(new PlannedAction("liq-1:seize:0", ClearingTestService.Chain, SeizeAction.Kind, JsonSerializer.Serialize(seize)), epoch, now);
        await outbox.MarkSignedAsync(seizure, new OutboxSigning(7, null, "0xsigned", "0xtx"), epoch, now);
        await outbox.MarkBroadcastAsync(seizure, epoch, now);
        await outbox.MarkConfirmedAsync(seizure, epoch, now);
        await new CursorStore(service.Database).AdvanceAsync(new CursorAdvance(ClearingTestService.Chain, null, 90, "0xblock90"), epoch, now);

        var rpc = new EvmRpcClient(new HttpClient(new JsonRpcStub()), new Uri("http://node.test/"), new EvmRpcOptions { Chain = ClearingTestService.Chain, MaxAttempts = 1 });
        Assert.True((await rpc.GetBlockNumberAsync()).IsSuccess);
        Assert.False((await rpc.GetChainIdAsync()).IsSuccess);

        ChainTelemetry.ReportHeights(ClearingTestService.Chain, head: 120, finalized: 100);
        ChainTelemetry.ReportPending(ClearingTestService.Chain,
            [new ObservedDeposit(new DepositKey(ClearingTestService.Chain, "0xpending", 0), "a1", "USDC", "0xusdc", new BigInteger(5_000_000), 110, "0xblock110", "0xdepositor")]);

        var quote = new PriceQuote(Fixed.FromInt(3000), Fixed.Zero, now.ToUnixTimeSeconds() - 12);
        OracleTelemetry.Observe(new AssetPrice("WETH", AssetPriceStatus.Live, quote, quote, now.ToUnixTimeSeconds(), Fixed.FromInt(3000), Fixed.FromInt(15), null, []), TimeProvider.System);

        var collector = service.Services.GetServices<IHostedService>().OfType<OperationsMetricsCollector>().Single();
        await collector.CollectOnceAsync(CancellationToken.None);
    }

    /// <summary>A node that knows eth_blockNumber and answers every other method with a JSON-RPC error.</summary>
    private sealed class JsonRpcStub : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
            var id = body.RootElement.GetProperty("id").GetInt64();
            var answer = body.RootElement.GetProperty("method").GetString() == "eth_blockNumber"
                ? $$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":"0x78"}"""
                : $$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":-32601,"message":"method not found"}}""";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer, Encoding.UTF8, "application/json") };
        }
    }
}
