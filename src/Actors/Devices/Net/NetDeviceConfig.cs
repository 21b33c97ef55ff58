using Akka.Actor;

namespace LguestActors.Actors.Devices.Net;

/// <summary>A virtio net device (net0, net1 …) with MAC <paramref name="Mac"/>, connected through <paramref name="Backend"/> (a switch port, a TAP).</summary>
public sealed record NetDeviceConfig(MacAddress Mac, INetBackend Backend) : DeviceConfig
{
    /// <summary>The net kind; the watchdog watches the transmit queue (receive buffers wait for frames).</summary>
    public static readonly DeviceKind Declared = new("net", NetDevice.VirtioId, NetDevice.QueueCount, [NetDevice.TransmitQueue]);

    public override DeviceKind Kind => Declared;

    public override byte[] OfferedFeatures() => NetConfig.OfferedFeatures();

    public override byte[] ConfigSpace(ushort ringSize) => NetConfig.ConfigSpace(Mac);

    public override Props CreateProps(DeviceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return NetDevice.Props(context.Memory, context.Transport, context.Interrupts, Backend, Mac, new NetDeviceState(context.Virtio));
    }
}
