namespace Clearing.ServiceDefaults.Tests.Service;

/// <summary>
/// Tests that run the whole service share this collection, so they run one at a time: the operations metrics are
/// process-wide instruments fed by whichever service collected last.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ServiceTestCollection
{
    public const string Name = "Clearing service";
}
