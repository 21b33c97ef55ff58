using Akka.Actor;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Protocol;

// The seed's /dev/lguest requests, as messages with the same meaning (DESIGN §1).

/// <summary>LHREQ_INITIALIZE: start running the guest at <paramref name="Start"/> with page directory <paramref name="Pgdir"/>.</summary>
public sealed record Initialize(GuestMemory Memory, uint PfnLimit, uint Pgdir, uint Start);

/// <summary>LHREQ_IRQ: raise guest IRQ <paramref name="Irq"/>. Hot: use <see cref="For"/>.</summary>
public sealed record RaiseIrq(int Irq)
{
    private static readonly RaiseIrq[] Cache = Enumerable.Range(0, 32).Select(i => new RaiseIrq(i)).ToArray();

    public static RaiseIrq For(int irq) => (uint)irq < Cache.Length ? Cache[irq] : new RaiseIrq(irq);
}

/// <summary>LHREQ_BREAK: on parks the vCPU between slices until off.</summary>
public sealed record Break(bool On)
{
    public static readonly Break Park = new(true);
    public static readonly Break Resume = new(false);
}

/// <summary>
/// What the guest's NOTIFY hypercall names; the launcher decides what it means (DESIGN §1). The
/// vCPU that sent it runs no guest code until the launcher answers <see cref="NotifyServed"/>:
/// lguest's launcher served a NOTIFY from its read() loop, with the guest stopped, and guests
/// reuse what they notified at once.
/// </summary>
public sealed record GuestNotify(uint Address);

/// <summary>The launcher has read what a <see cref="GuestNotify"/> named: the guest may run on. Cached.</summary>
public sealed record NotifyServed
{
    public static readonly NotifyServed Instance = new();
}

/// <summary>
/// Like lguest's LHREQ_EVENTFD: tells the vCPU that a NOTIFY of <paramref name="RingAddress"/>
/// is a kick of <paramref name="Queue"/> on <paramref name="Device"/>, delivered without a hop
/// through the launcher.
/// </summary>
public sealed record RegisterKick(uint RingAddress, IActorRef Device, Kick Kick, Supervision.WatchdogArm? Watchdog = null);

/// <summary>Forget every kick route to <paramref name="Device"/> (on reset or failure).</summary>
public sealed record UnregisterKicks(IActorRef Device);

/// <summary>The guest kicked virtqueue <paramref name="Queue"/> of the receiving device. Cached per queue.</summary>
public sealed record Kick(int Queue)
{
    private static readonly Kick[] Cache = Enumerable.Range(0, 8).Select(i => new Kick(i)).ToArray();

    public static Kick For(int queue) => (uint)queue < Cache.Length ? Cache[queue] : new Kick(queue);
}

/// <summary>The guest wrote a non-zero status to its descriptor: start serving, with the features it accepted.</summary>
public sealed record StartDevice(byte Status, ReadOnlyMemory<byte> AcceptedFeatures);

/// <summary>The guest wrote status 0: reset the device (drop queue state, stop serving).</summary>
public sealed record ResetDevice
{
    public static readonly ResetDevice Instance = new();
}

/// <summary>How a guest ended.</summary>
public enum GuestExitKind
{
    PowerOff,
    Restart,
    GuestFault,
    Stopped,
    BootFailed,

    /// <summary>
    /// SHUTDOWN (power-off) whose reason says the kernel panicked: it starts with
    /// <see cref="GuestExits.PanicPrefix"/>. lguest's ABI has no panic of its own (a kernel's
    /// panic notifier powers off with the message), so the reason is the only sign the vCPU has.
    /// (Linux passes the bare message; the host reads the line panic() printed on the console,
    /// src/Host/PanicSeenOnConsole.cs.)
    /// </summary>
    Panic,
}

/// <summary>How a SHUTDOWN hypercall's arguments map to a <see cref="GuestExitKind"/>.</summary>
public static class GuestExits
{
    /// <summary>What a kernel's panic reason starts with: the words Linux prints for a panic ("Kernel panic - not syncing: ...").</summary>
    public const string PanicPrefix = "Kernel panic";

    /// <summary>Restart for LGUEST_SHUTDOWN_RESTART; otherwise a panic if the reason says so, else a power-off.</summary>
    public static GuestExitKind OfShutdown(bool restart, string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return restart ? GuestExitKind.Restart
            : reason.StartsWith(PanicPrefix, StringComparison.Ordinal) ? GuestExitKind.Panic
            : GuestExitKind.PowerOff;
    }
}

/// <summary>The vCPU reports to its launcher that the guest ended.</summary>
public sealed record GuestExited(GuestExitKind Kind, string Reason);
