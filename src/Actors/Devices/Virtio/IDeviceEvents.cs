using LguestActors.Actors.Devices;

namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// What one device's lifecycle reports as it happens: the hook points for instruments (a
/// <c>Meter</c>, traces) attached from outside the device. Called on the device actor's thread
/// (a request's take and completion, an IRQ, a restart, FAILED), so an implementation must be
/// cheap and must not block; it must not throw either (a throw would restart the device).
/// One instance per device, for every incarnation of its actor.
/// </summary>
public interface IDeviceEvents
{
    /// <summary>The device took chain <paramref name="head"/> from <paramref name="queue"/>: the guest's request starts (bytes the guest gave, bytes it left room for).</summary>
    void RequestStarted(int queue, ushort head, long readableBytes, long writableBytes);

    /// <summary>The device published <paramref name="head"/> on <paramref name="queue"/>'s used ring, having written <paramref name="writtenBytes"/> into it.</summary>
    void RequestCompleted(int queue, ushort head, uint writtenBytes);

    /// <summary>The device told the interrupt controller to raise <paramref name="irq"/> for <paramref name="queue"/>.</summary>
    void IrqRaised(int queue, int irq);

    /// <summary>A new incarnation of the device actor took over after its supervisor restarted it (DESIGN §6).</summary>
    void Restarted(Exception reason);

    /// <summary>The guest broke a ring rule on <paramref name="queue"/> (-1: while finishing a predecessor's chains): the device is FAILED until reset.</summary>
    void Failed(int queue, string reason);
}

/// <summary>Events nobody listens to: the default.</summary>
public sealed class NoDeviceEvents : IDeviceEvents
{
    public static readonly NoDeviceEvents Instance = new();

    private NoDeviceEvents()
    {
    }

    public void RequestStarted(int queue, ushort head, long readableBytes, long writableBytes)
    {
    }

    public void RequestCompleted(int queue, ushort head, uint writtenBytes)
    {
    }

    public void IrqRaised(int queue, int irq)
    {
    }

    public void Restarted(Exception reason)
    {
    }

    public void Failed(int queue, string reason)
    {
    }
}

/// <summary>Makes the <see cref="IDeviceEvents"/> of one device of one VM (the launcher asks once per device, at boot).</summary>
/// <param name="vm">The VM's name.</param>
/// <param name="device">The device's child name: console, net0, blk0, rng0.</param>
/// <param name="kind">What kind of device it is.</param>
public delegate IDeviceEvents DeviceEventsFactory(string vm, string device, DeviceKind kind);
