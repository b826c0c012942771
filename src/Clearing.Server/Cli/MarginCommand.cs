using System.CommandLine;

namespace Clearing.Server.Cli;

/// <summary>
/// <c>clearing margin &lt;portfolio.json&gt;</c>: the operator's what-if calculator. Prints the health and
/// liquidation plan of every account as JSON (format: MARGIN.md). Bad input prints what and where to stderr,
/// exits 2 and prints no result; an unreadable file exits 1.
/// </summary>
public static class MarginCommand
{
    public const int InvalidInput = 2;
    public const int UnreadableFile = 1;

    public static Command Create()
    {
        var portfolio = new Argument<FileInfo>("portfolio") { Description = "Portfolio JSON: assets, collateral, markets, accounts (see MARGIN.md)." };
        var command = new Command("margin", "Margin calculator: health and liquidation plan of each account in a portfolio file, as JSON.");
        command.Arguments.Add(portfolio);
        command.SetAction(parseResult => Execute(parseResult.GetValue(portfolio)!, Console.Out, Console.Error));
        return command;
    }

    /// <summary>The command's behaviour, with its output streams as parameters (the tests run it in-process).</summary>
    public static int Execute(FileInfo portfolio, TextWriter stdout, TextWriter stderr)
    {
        string json;
        try
        {
            json = File.ReadAllText(portfolio.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: cannot read {portfolio.FullName}: {e.Message}");
            return UnreadableFile;
        }

        string result;
        try
        {
            result = MarginCalculator.Run(json);
        }
        catch (MarginInputException e)
        {
            stderr.WriteLine($"error: {e.Path}: {e.Problem}");
            return InvalidInput;
        }

        stdout.WriteLine(result);
        return 0;
    }
}
