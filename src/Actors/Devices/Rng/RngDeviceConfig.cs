using Akka.Actor;

namespace LguestActors.Actors.Devices.Rng;

/// <summary>A virtio entropy device (rng0, rng1 …) drawing from <paramref name="Source"/>.</summary>
public sealed record RngDeviceConfig(IEntropySource Source) : DeviceConfig
{
    /// <summary>The rng kind: one request queue, which the watchdog watches (the guest kicks it for every request).</summary>
    public static readonly DeviceKind Declared = new("rng", RngDevice.VirtioId, RngDevice.QueueCount, [RngDevice.RequestQueue]);

    public override DeviceKind Kind => Declared;

    public override byte[] OfferedFeatures() => RngDevice.OfferedFeatures();

    public override Props CreateProps(DeviceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return RngDevice.Props(context.Memory, context.Transport, context.Interrupts, Source, new RngDeviceState(context.Virtio));
    }
}
