namespace Clearing.TestKit;

/// <summary>
/// Records which real component each fixture started (kind, version, address) in artifacts/test-components.log,
/// so a test run's output can show that it used the real PostgreSQL, anvil and Solana devnet.
/// </summary>
public static class ComponentLog
{
    private static readonly Lock Gate = new();

    public static string FilePath => Path.Combine(RepoPaths.Root, "artifacts", "test-components.log");

    public static void Started(string component, string version, string address)
    {
        var line = $"{DateTimeOffset.UtcNow:O} {component} {version} at {address}";
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.AppendAllText(FilePath, line + Environment.NewLine);
        }

        Console.Error.WriteLine(line);
    }
}
