using Akka.Actor;

namespace LguestActors.Actors.Supervision;

/// <summary>
/// Wakes a VM's <see cref="DeviceWatchdog"/> when the guest gives a device work, so a VM with no
/// outstanding work costs the watchdog nothing (no periodic ticks). The vCPU calls
/// <see cref="Kicked"/> with every kick it routes; only the first kick after the watchdog went to
/// sleep sends it a message. Shared between the vCPU's thread and the watchdog's.
/// </summary>
public sealed class WatchdogArm
{
    private int _armed;
    private IActorRef _watchdog = ActorRefs.Nobody;

    /// <summary>True while the watchdog is awake (ticking).</summary>
    public bool Armed => Volatile.Read(ref _armed) == 1;

    /// <summary>
    /// A queue was kicked. A full fence (the exchange) after the guest's avail.idx write, so either
    /// this sees the watchdog asleep and wakes it, or the watchdog, going to sleep, sees the work.
    /// </summary>
    public void Kicked()
    {
        if (Interlocked.CompareExchange(ref _armed, 1, 0) == 0)
        {
            Volatile.Read(ref _watchdog).Tell(WakeWatchdog.Instance, ActorRefs.NoSender);
        }
    }

    /// <summary>Whom <see cref="Kicked"/> wakes: set by whoever creates the watchdog, as soon as its ref exists.</summary>
    public void Attach(IActorRef watchdog) => Volatile.Write(ref _watchdog, watchdog);

    /// <summary>The watchdog wakes itself (it found work when it started, or right after it slept).</summary>
    internal bool TryArm() => Interlocked.CompareExchange(ref _armed, 1, 0) == 0;

    /// <summary>The watchdog goes to sleep; it must look for work once more after this (see <see cref="Kicked"/>).</summary>
    internal void Disarm()
    {
        Interlocked.Exchange(ref _armed, 0);
    }
}

/// <summary>The guest kicked while the watchdog slept. Cached.</summary>
public sealed record WakeWatchdog
{
    public static readonly WakeWatchdog Instance = new();
}
