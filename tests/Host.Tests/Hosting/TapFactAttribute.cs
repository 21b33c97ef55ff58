using LguestActors.Testing;

namespace LguestActors.Host.Tests.Hosting;

/// <summary>A fact on a real TAP interface: where one cannot be made, reported as skipped with the reason.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class TapFactAttribute : FactAttribute
{
    public TapFactAttribute()
    {
        if (HostNetwork.TapMissing() is { } missing)
        {
            Skip = $"needs a TAP interface in a network namespace: {missing}";
        }
    }
}
