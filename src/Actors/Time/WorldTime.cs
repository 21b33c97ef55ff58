using Akka.Actor;

namespace LguestActors.Actors.Time;

/// <summary>
/// What a simulated world asks of the machine's actors (docs/DETERMINISM.md): its clock moves on
/// by the guest instructions the vCPUs retire, and guest-visible events go into its run digest.
/// The simulation's virtual scheduler implements it; a real-time actor system has none.
/// </summary>
public interface IVirtualWorld
{
    /// <summary>Virtual time as a clock: UTC from a fixed epoch, and a monotonic timestamp.</summary>
    TimeProvider Clock { get; }

    /// <summary>
    /// A vCPU retired <paramref name="instructions"/> guest instructions: virtual time moves on by
    /// one nanosecond each, the rate RDTSC counts at (<see cref="Cpu.Cpu.VirtualTscKhz"/>, 1 GHz).
    /// </summary>
    void Retire(long instructions);

    /// <summary>A guest-visible event (an IRQ delivered at an instruction count), into the run digest.</summary>
    void Observe(string kind, long first, long second);

    /// <summary>A guest-visible event with bytes (console output, a disk write), into the run digest.</summary>
    void Observe(string kind, long first, ReadOnlySpan<byte> bytes);
}

/// <summary>
/// The one clock of an actor system: the wall clock in real time, virtual time in a simulated
/// world. Whatever the machine times (lguest_data.time, restart windows, fault instants) reads it
/// here, so a simulation never sees the wall clock.
/// </summary>
public static class WorldTime
{
    /// <summary>The simulated world <paramref name="system"/> is, or null in real time.</summary>
    public static IVirtualWorld? VirtualWorldOf(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        return system.Scheduler as IVirtualWorld;
    }

    /// <summary>The actor system's clock: virtual time in a simulated world, the wall clock otherwise.</summary>
    public static TimeProvider ClockOf(ActorSystem system) => VirtualWorldOf(system)?.Clock ?? TimeProvider.System;
}
