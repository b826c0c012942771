using System.CommandLine;
using Clearing.Server.Demo;

namespace Clearing.Server.Cli;

/// <summary>
/// <c>clearing demo [--exit-after-scenario] [--summary FILE] [--work-dir DIR] [--port N] [--repository DIR] [--verbose]
/// [--chain-a-rpc URL --chain-b-rpc URL --solana-rpc URL]</c>:
/// local chains, vaults, the service on SQLite and the end-to-end scenario with progress lines (README "The demo").
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var exitAfter = new Option<bool>("--exit-after-scenario") { Description = "Exit when the scenario ends (0 only if every step held) instead of serving until Ctrl-C." };
        var summary = new Option<FileInfo>("--summary") { Description = "Write the scenario's JSON summary (deposits, liquidations, accounts' maintenance health, steps) to this file." };
        var workDir = new Option<DirectoryInfo>("--work-dir") { Description = "Folder for keys, secrets, configuration and the SQLite database (default: a new temporary folder)." };
        var port = new Option<int?>("--port") { Description = "Loopback port of the API (default: a free one)." };
        var repository = new Option<DirectoryInfo>("--repository") { Description = "The Clearing clone with deploy/devnet and contracts/evm/out (default: found above the current directory)." };
        var verbose = new Option<bool>("--verbose") { Description = "Also show the service's informational logs." };
        var chainA = new Option<string>("--chain-a-rpc") { Description = "Use this running anvil as chain A instead of starting one (it must mine on its own: --block-time 1 --slots-in-an-epoch 1)." };
        var chainB = new Option<string>("--chain-b-rpc") { Description = "Use this running anvil as chain B (as --chain-a-rpc)." };
        var solana = new Option<string>("--solana-rpc") { Description = "Use this running Solana devnet (deploy/devnet/solana-rpc.mjs) instead of starting one." };
        var command = new Command("demo", "Run the end-to-end demo: two anvil chains, the Solana devnet, vaults, the service on SQLite, deposits, trades, withdrawals and a liquidation.")
        {
            exitAfter, summary, workDir, port, repository, verbose, chainA, chainB, solana,
        };
        command.Validators.Add(result =>
        {
            var given = new[] { chainA, chainB, solana }.Where(o => result.GetValue(o) is not null).ToList();
            if (given.Count is not 0 and not 3)
            {
                result.AddError("--chain-a-rpc, --chain-b-rpc and --solana-rpc go together: give all three running chains, or none to start them.");
            }

            foreach (var option in given.Where(o => HttpUrl(result.GetValue(o)) is null))
            {
                result.AddError($"{option.Name} '{result.GetValue(option)}' is not an http(s) URL.");
            }
        });
        command.SetAction((parse, cancellationToken) => DemoRunner.RunAsync(
            new DemoOptions(
                parse.GetValue(exitAfter),
                parse.GetValue(summary)?.FullName,
                parse.GetValue(workDir)?.FullName,
                parse.GetValue(port),
                parse.GetValue(repository)?.FullName,
                parse.GetValue(verbose),
                HttpUrl(parse.GetValue(chainA)) is { } a && HttpUrl(parse.GetValue(chainB)) is { } b && HttpUrl(parse.GetValue(solana)) is { } s ? (a, b, s) : null),
            Console.Out,
            cancellationToken));
        return command;
    }

    private static Uri? HttpUrl(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) ? url : null;
}
