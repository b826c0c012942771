namespace Clearing.TestKit;

/// <summary>
/// A real component a test needs is not installed. The message names it and the step that installs it:
/// a missing prerequisite fails the run, it never skips the test silently.
/// </summary>
public sealed class MissingPrerequisiteException(string what, string installStep)
    : Exception($"{what} is missing. Install it with: {installStep} (the README's test command, ./test.sh, does this for you).");
