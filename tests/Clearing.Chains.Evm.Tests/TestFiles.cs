namespace Clearing.Chains.Evm.Tests;

/// <summary>Files copied next to the test assembly (TestData/).</summary>
internal static class TestFiles
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    public static string ReadText(params string[] parts) => File.ReadAllText(Path(parts));
}
