using System.Reflection;

namespace Clearing.Actors.Hosting;

/// <summary>Which grain class implements which grain interface. Given to the <see cref="ActorHost"/>.</summary>
public sealed class GrainRegistry
{
    private readonly Dictionary<Type, GrainClass> _byInterface = [];
    private readonly Dictionary<string, GrainClass> _byTypeName = [];

    /// <summary>Registers <typeparamref name="TGrain"/> as the implementation of <typeparamref name="TGrainInterface"/>.</summary>
    /// <exception cref="ArgumentException">A method of the interface does not return Task or Task&lt;T&gt;, or the type name is taken.</exception>
    public GrainRegistry Add<TGrainInterface, TGrain>()
        where TGrainInterface : IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        var interfaceType = typeof(TGrainInterface);
        var badMethods = AllMethods(interfaceType).Where(method => !GrainMethod.ReturnsTask(method)).Select(method => method.Name).ToList();
        if (badMethods.Count > 0)
        {
            throw new ArgumentException($"Grain interface {interfaceType} has methods that do not return Task or Task<T>: {string.Join(", ", badMethods)}.");
        }

        var grainClass = new GrainClass(typeof(TGrain), GrainTypeName(interfaceType));
        if (_byInterface.ContainsKey(interfaceType) || _byTypeName.ContainsKey(grainClass.TypeName))
        {
            throw new ArgumentException($"Grain interface {interfaceType} or grain type name '{grainClass.TypeName}' is registered twice.");
        }

        _byInterface.Add(interfaceType, grainClass);
        _byTypeName.Add(grainClass.TypeName, grainClass);
        return this;
    }

    /// <summary>The <see cref="GrainId.Type"/> of grains addressed by <paramref name="grainInterface"/>.</summary>
    public static string GrainTypeName(Type grainInterface)
    {
        ArgumentNullException.ThrowIfNull(grainInterface);
        return grainInterface.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? grainInterface.FullName!;
    }

    internal GrainClass ForInterface(Type grainInterface) =>
        _byInterface.TryGetValue(grainInterface, out var grainClass)
            ? grainClass
            : throw new ArgumentException($"No grain class is registered for {grainInterface}.");

    internal GrainClass ForType(string typeName) =>
        _byTypeName.TryGetValue(typeName, out var grainClass)
            ? grainClass
            : throw new ArgumentException($"No grain class is registered for grain type '{typeName}'.");

    private static IEnumerable<MethodInfo> AllMethods(Type interfaceType) =>
        interfaceType.GetMethods().Concat(interfaceType.GetInterfaces().SelectMany(inherited => inherited.GetMethods()));
}

/// <summary>A grain implementation class: how to construct it and whether it is reentrant.</summary>
internal sealed class GrainClass
{
    private readonly ConstructorInfo _constructor;

    public GrainClass(Type implementation, string typeName)
    {
        var constructors = implementation.GetConstructors();
        if (constructors.Length != 1)
        {
            throw new ArgumentException($"Grain class {implementation} must have exactly one public constructor.");
        }

        _constructor = constructors[0];
        TypeName = typeName;
        IsReentrant = implementation.IsDefined(typeof(ReentrantAttribute), inherit: false);
        IsRemindable = typeof(IRemindable).IsAssignableFrom(implementation);
    }

    public string TypeName { get; }

    public bool IsReentrant { get; }

    public bool IsRemindable { get; }

    /// <summary>Constructs the grain, resolving each constructor parameter through the host.</summary>
    public Grain Create(Activation activation)
    {
        var arguments = _constructor.GetParameters().Select(parameter => activation.Host.ResolveConstructorArgument(activation, parameter)).ToArray();
        return (Grain)_constructor.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
    }
}
