namespace Clearing.TestKit;

/// <summary>
/// Runs a node script for a test (a reference client's answers, a contract build, a peer's numbers). A missing node
/// or npm package fails the test with the step that installs it; a failing script fails it with its output.
/// </summary>
public static class NodeScript
{
    /// <summary>Throws <see cref="MissingPrerequisiteException"/> unless <paramref name="package"/> is installed in <paramref name="nodeModules"/>.</summary>
    public static void RequirePackage(string nodeModules, string package, string installStep)
    {
        if (!File.Exists(Path.Combine(nodeModules, package, "package.json")))
        {
            throw new MissingPrerequisiteException($"The npm package {package} (in {nodeModules})", installStep);
        }
    }

    /// <summary>Runs <c>node script arguments…</c> in the script's folder and returns what it printed on stdout.</summary>
    public static Task<string> RunAsync(string script, IEnumerable<string> arguments, string installStep, TimeSpan deadline)
    {
        var node = Command.FindOnPath("node") ?? throw new MissingPrerequisiteException("Node.js (node)", $"apt-get install -y nodejs npm, then {installStep}");
        return Command.RunAsync(node, [script, .. arguments], deadline, Path.GetDirectoryName(script));
    }

    /// <summary>Writes <paramref name="inputJson"/> to a temporary file, runs <c>node script input output</c> and returns the output file's text.</summary>
    public static async Task<string> RunOnFilesAsync(string script, string inputJson, string installStep, TimeSpan deadline)
    {
        var folder = Directory.CreateTempSubdirectory("clearing-node-").FullName;
        try
        {
            var input = Path.Combine(folder, "input.json");
            var output = Path.Combine(folder, "output.json");
            await File.WriteAllTextAsync(input, inputJson).ConfigureAwait(false);
            await RunAsync(script, [input, output], installStep, deadline).ConfigureAwait(false);
            return await File.ReadAllTextAsync(output).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
