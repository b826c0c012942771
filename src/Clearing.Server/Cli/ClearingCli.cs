using System.CommandLine;

namespace Clearing.Server.Cli;

/// <summary>The root of the <c>clearing</c> command line. Each verb lives in its own class with a <c>Create()</c> factory.</summary>
public static class ClearingCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Clearing: a cross-chain collateral clearing house. Run a verb with --help for its options.");
        foreach (var verb in Verbs())
        {
            root.Subcommands.Add(verb);
        }

        return root;
    }

    // Each issue that adds a verb adds one line here.
    private static IEnumerable<Command> Verbs()
    {
        yield return KeysCommand.Create();
        yield return VaultCommand.Create();
        yield return MarginCommand.Create();
        yield return ServeCommand.Create();
        yield return DemoCommand.Create();
        yield return LoadCommand.Create();
    }
}
