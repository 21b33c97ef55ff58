using Akka.Actor;
using LguestActors.Actors.Faults;

namespace LguestActors.Actors.Devices.Block;

/// <summary>
/// A virtio block device (blk0, blk1 …) on <paramref name="Backend"/>: read-only when the backend is.
/// Whoever opened the backend disposes it after the VM has exited.
/// </summary>
public sealed record BlockDeviceConfig(IBlockBackend Backend, BlockDeviceOptions? Options = null) : DeviceConfig
{
    /// <summary>The block kind: one request queue, which the watchdog watches.</summary>
    public static readonly DeviceKind Declared = new("blk", BlockDevice.VirtioId, BlockDevice.QueueCount, [BlockDevice.RequestQueue]);

    public override DeviceKind Kind => Declared;

    public override byte[] OfferedFeatures() => BlockConfig.OfferedFeatures(Backend.ReadOnly);

    public override byte[] ConfigSpace(ushort ringSize) => BlockConfig.ConfigSpace(Backend.Length, ringSize);

    /// <summary>The backend wrapped in the plan's backend faults (EIO, ENOSPC, slow I/O).</summary>
    public override Props CreateProps(DeviceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return BlockDevice.Props(context.Memory, context.Transport, context.Interrupts, FaultyBlockBackend.Wrap(Backend, context.BackendFaults),
            new BlockDeviceState(context.Virtio), Options);
    }
}
