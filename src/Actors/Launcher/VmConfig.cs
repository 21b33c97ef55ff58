using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Faults;
using LguestActors.Actors.Supervision;
using LguestActors.Actors.Protocol;

namespace LguestActors.Actors.Launcher;

/// <summary>Everything the launcher needs to boot one VM.</summary>
/// <param name="Name">VM name: the actor is /user/vmm/vm-NAME (or a child of whoever spawns it).</param>
/// <param name="MemoryBytes">Guest RAM, a whole number of pages.</param>
/// <param name="Kernel">The kernel ELF image bytes.</param>
/// <param name="CommandLine">Kernel command line (goes at guest physical 4096).</param>
/// <param name="Devices">Devices in device-page order.</param>
public sealed record VmConfig(
    string Name,
    ulong MemoryBytes,
    ReadOnlyMemory<byte> Kernel,
    string CommandLine,
    IReadOnlyList<DeviceConfig> Devices)
{
    /// <summary>Faults to inject into this VM's devices and links (experiments and tests); none by default.</summary>
    public FaultInjector Faults { get; init; } = FaultInjector.None;

    /// <summary>Restart budget and watchdog for this VM's devices (config: lguest.devices.supervision).</summary>
    public DeviceSupervision Supervision { get; init; } = DeviceSupervision.Default;

    /// <summary>An initial RAM disk placed at the top of RAM for the kernel (lguest's <c>--initrd</c>); empty for none.</summary>
    public ReadOnlyMemory<byte> Initrd { get; init; }
}

/// <summary>One device of a VM's configuration.</summary>
public abstract record DeviceConfig;

/// <summary>A virtio console backed by <paramref name="Backend"/>.</summary>
public sealed record ConsoleConfig(IConsoleBackend Backend) : DeviceConfig;

/// <summary>
/// A virtio block device (blk0, blk1...) on <paramref name="Backend"/>: read-only when the backend is.
/// Whoever opened the backend disposes it after the VM has exited.
/// </summary>
public sealed record BlockDeviceConfig(IBlockBackend Backend, BlockDeviceOptions? Options = null) : DeviceConfig;

/// <summary>Sent by the launcher to its exit listener when the VM has ended (or failed to boot).</summary>
public sealed record VmExited(string Name, GuestExitKind Kind, string Reason);
