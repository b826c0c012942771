using System.CommandLine;
using Clearing.Chains.Evm.Signing;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Server.Cli;

/// <summary>
/// <c>clearing keys new --chain evm|solana --out FILE</c> and <c>clearing keys show FILE</c>: operator key files.
/// Only the public address is ever printed; the file is created with mode 0600 and never overwritten.
/// </summary>
public static class KeysCommand
{
    private static readonly string[] Chains = ["evm", "solana"];

    public static Command Create()
    {
        var keys = new Command("keys", "Create and inspect operator key files (EVM: 0x hex; Solana: the CLI's JSON array of 64 bytes).");
        keys.Subcommands.Add(CreateNew());
        keys.Subcommands.Add(CreateShow());
        return keys;
    }

    private static Command CreateNew()
    {
        var chain = new Option<string>("--chain") { Description = "Which chain the key signs for: evm or solana.", Required = true };
        chain.AcceptOnlyFromAmong(Chains);
        var output = new Option<FileInfo>("--out") { Description = "Where to write the new key file (must not exist).", Required = true };
        var command = new Command("new", "Create a new random key file (mode 0600) and print its public address.") { chain, output };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(output)!.FullName;
            return Run(() => parse.GetValue(chain) == "evm" ? EvmKeyFile.Create(path) : SolanaKeyFile.Create(path));
        });
        return command;
    }

    private static Command CreateShow()
    {
        var file = new Argument<FileInfo>("keyfile") { Description = "A key file made by `clearing keys new` (or the Solana CLI)." };
        var command = new Command("show", "Print the public address of a key file: EIP-55 for EVM, base58 for Solana.") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            return Run(() => IsSolanaKeyFile(path) ? SolanaKeyFile.Show(path) : EvmKeyFile.Show(path));
        });
        return command;
    }

    // The Solana CLI's format is a JSON array; ours for EVM is a 0x hex line. The first character tells them apart.
    private static bool IsSolanaKeyFile(string path) => File.ReadAllText(path).TrimStart().StartsWith('[');

    private static int Run(Func<string> action)
    {
        try
        {
            Console.Out.WriteLine(action());
            return 0;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or InvalidOperationException or UnauthorizedAccessException)
        {
            // These messages name the file and the expected shape, never the key material.
            Console.Error.WriteLine($"clearing keys: {ex.Message}");
            return 1;
        }
    }
}
