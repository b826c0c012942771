namespace Clearing.TestKit;

/// <summary>Where things are in this repository, found from the running test assembly.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder holding Clearing.sln.</summary>
    public static string Root => RootPath.Value;

    public static string DevnetFolder => Path.Combine(Root, "deploy", "devnet");

    public static string DevnetNodeModules => Path.Combine(DevnetFolder, "node_modules");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clearing.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Clearing.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }
}
