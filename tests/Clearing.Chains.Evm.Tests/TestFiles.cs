namespace Clearing.Chains.Evm.Tests;

/// <summary>Files copied next to the test assembly (TestData/) and the repository root.</summary>
internal static class TestFiles
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);

    public static string ReadText(params string[] parts) => File.ReadAllText(Path(parts));

    /// <summary>The folder holding Clearing.sln, found by walking up from the test assembly.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Clearing.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Clearing.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }
}
