using LguestActors.Actors.Faults;

namespace LguestActors.Testing;

/// <summary>Fault plans scenario authors reach for most, by what they do.</summary>
public static class FaultPlans
{
    /// <summary>Crash the named devices on every request at <paramref name="points"/>, at most <paramref name="max"/> times (-1: no limit).</summary>
    public static FaultInjector CrashEveryRequest(FaultPoint points, int max = -1, int seed = 1, params string[] devices) =>
        new(new FaultPlan { Seed = seed, CrashEveryNRequests = 1, CrashPoints = points, MaxCrashes = max, Devices = devices });

    /// <summary>Lose a share of kicks and IRQs on the wires (the watchdog must recover them).</summary>
    public static FaultInjector LoseKicksAndIrqs(double probability, int seed = 1, params string[] devices) =>
        new(new FaultPlan
        {
            Seed = seed,
            Devices = devices,
            Kicks = LinkFaults.None with { Drop = probability },
            Irqs = LinkFaults.None with { Drop = probability },
        });

    /// <summary>Fail a share of the backend's I/O with EIO (block devices).</summary>
    public static FaultInjector BackendIoErrors(double probability, int seed = 1, params string[] devices) =>
        new(new FaultPlan { Seed = seed, Devices = devices, BackendIoError = probability });
}
