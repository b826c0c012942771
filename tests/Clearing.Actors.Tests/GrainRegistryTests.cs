using Clearing.Actors.Hosting;

namespace Clearing.Actors.Tests;

public sealed class GrainRegistryTests
{
    [Fact]
    public void Grain_interface_with_a_method_that_does_not_return_a_task_is_refused()
    {
        var refusal = Assert.Throws<ArgumentException>(() => new GrainRegistry().Add<ISynchronousGrain, SynchronousGrain>());

        Assert.Contains("Count", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Grain_type_name_comes_from_the_attribute_else_the_interface_full_name()
    {
        Assert.Equal("counter", GrainRegistry.GrainTypeName(typeof(ICounterGrain)));
        Assert.Equal(typeof(ISynchronousGrain).FullName, GrainRegistry.GrainTypeName(typeof(ISynchronousGrain)));
    }

    [Fact]
    public void Same_grain_type_name_cannot_be_registered_twice()
    {
        var registry = new GrainRegistry().Add<ISequenceGrain, SequenceGrain>();

        Assert.Throws<ArgumentException>(() => registry.Add<ISequenceGrain, SequenceGrain>());
    }

    public interface ISynchronousGrain : IGrainWithStringKey
    {
        int Count();
    }

    public sealed class SynchronousGrain : Grain, ISynchronousGrain
    {
        public int Count() => 0;
    }
}
