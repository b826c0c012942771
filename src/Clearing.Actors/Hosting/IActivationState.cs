namespace Clearing.Actors.Hosting;

/// <summary>A persistent state of an activation, read by the host before the grain's first turn.</summary>
internal interface IActivationState
{
    Task ReadStateAsync();
}
