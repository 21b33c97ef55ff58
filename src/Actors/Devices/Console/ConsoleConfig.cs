using Akka.Actor;

namespace LguestActors.Actors.Devices.Console;

/// <summary>A virtio console backed by <paramref name="Backend"/>: the VM's first is "console", then console1 ….</summary>
public sealed record ConsoleConfig(IConsoleBackend Backend) : DeviceConfig
{
    /// <summary>The console kind; the watchdog watches the transmit queue (the receive queue waits for host input).</summary>
    public static readonly DeviceKind Declared = new("console", ConsoleDevice.VirtioId, ConsoleDevice.QueueCount, [ConsoleDevice.TransmitQueue], FirstUnnumbered: true);

    public override DeviceKind Kind => Declared;

    public override byte[] OfferedFeatures() => ConsoleDevice.OfferedFeatures();

    public override Props CreateProps(DeviceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ConsoleDevice.Props(context.Memory, context.Transport, context.Interrupts, Backend, new ConsoleDeviceState(context.Virtio));
    }
}
