namespace LguestActors.Actors.Faults;

/// <summary>
/// Carries out a <see cref="FaultPlan"/> for one VM. Each consumer (a device, a kick link, an IRQ
/// link) gets its own <see cref="Random"/> derived from the plan's seed and its name, so the
/// choices one makes do not depend on how the others were scheduled.
/// </summary>
public sealed class FaultInjector
{
    /// <param name="plan">What to inject.</param>
    /// <param name="clock">Stamps each injected failure (<see cref="FaultCounters.FailureInstants"/>): the wall
    /// clock by default, a simulated world's virtual clock in simulation.</param>
    public FaultInjector(FaultPlan plan, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Plan = plan;
        Counters = new FaultCounters(clock ?? TimeProvider.System);
    }

    /// <summary>An injector that never injects anything.</summary>
    public static FaultInjector None { get; } = new(FaultPlan.None);

    public FaultPlan Plan { get; }

    public FaultCounters Counters { get; }

    /// <summary>The device-side faults for the device named <paramref name="device"/> (None if the plan skips it).</summary>
    public DeviceFaults ForDevice(string device) =>
        Plan.IsActive && Plan.AppliesTo(device) ? new DeviceFaults(Plan, Counters, RandomFor(device)) : DeviceFaults.None;

    /// <summary>The faults of the named device's backend (its own random sequence: backends run on I/O threads).</summary>
    public DeviceFaults ForBackend(string device) =>
        Plan.IsActive && Plan.AppliesTo(device) ? new DeviceFaults(Plan, Counters, RandomFor("backend:" + device)) : DeviceFaults.None;

    /// <summary>
    /// The consumer's own stream: the plan's seed split by name (FNV-1a, not string.GetHashCode,
    /// which is randomised per process), on a generator whose numbers never change with the .NET
    /// version (<see cref="Time.SeededRandom"/>): a seed replays on any machine.
    /// </summary>
    internal Random RandomFor(string name) => Time.SeededRandom.For(unchecked((ulong)(uint)Plan.Seed), name);
}
