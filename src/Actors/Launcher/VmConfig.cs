using LguestActors.Actors.Devices;
using LguestActors.Actors.Devices.Virtio;
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

    /// <summary>When set, the launcher marks the end of each boot phase in it (the host's <c>--timings</c>).</summary>
    public BootTimeline? Timeline { get; init; }

    /// <summary>The vCPU's slice and dispatcher and the virtqueue size (config: lguest.vcpu, lguest.virtio).</summary>
    public MachineSettings Machine { get; init; } = MachineSettings.Default;

    /// <summary>
    /// Where each device reports its lifecycle (requests taken and completed, IRQs, restarts,
    /// FAILED): asked once per device at boot. Null: nobody listens.
    /// </summary>
    public DeviceEventsFactory? DeviceEvents { get; init; }
}

/// <summary>How the machine of one VM is built (config/akka.hocon: lguest.vcpu.*, lguest.virtio.ring-size).</summary>
/// <param name="SliceInstructions">Guest instructions the vCPU runs per slice (lguest.vcpu.slice-instructions).</param>
/// <param name="VcpuDispatcher">The dispatcher id the vCPU actor runs on (lguest.vcpu.dispatcher); null: the default dispatcher.</param>
/// <param name="RingSize">Entries of every virtqueue, written into the device page (lguest.virtio.ring-size); a power of two.</param>
/// <param name="Engine">How the vCPU runs guest code (lguest.vcpu.engine): hot code compiled to IL, or interpreted; the guest sees no difference.</param>
public sealed record MachineSettings(long SliceInstructions, string? VcpuDispatcher, ushort RingSize, Cpu.CpuEngine Engine = Cpu.CpuEngine.Compiled)
{
    /// <summary>
    /// The largest ring size: with the 31 queue IRQs lguest has, rings of this size all fit the
    /// 4 MiB device area above the most RAM the host gives (DESIGN §2); a legacy ring's size is a power of two.
    /// </summary>
    public const int MaxRingSize = 4096;

    /// <summary>The longest slice: about 50 ms of guest time at the interpreter's speed; longer would hold IRQs back past a clock tick.</summary>
    public const int MaxSliceInstructions = 10_000_000;

    public const string SliceInstructionsPath = "lguest.vcpu.slice-instructions";
    public const string VcpuDispatcherPath = "lguest.vcpu.dispatcher";
    public const string RingSizePath = "lguest.virtio.ring-size";
    public const string EnginePath = "lguest.vcpu.engine";

    public static MachineSettings Default { get; } = new(Vcpu.VcpuOptions.DefaultSliceBudget, null, DeviceSpec.DefaultQueueSize);

    /// <summary>Reads and checks the four keys from a whole configuration (config/akka.hocon).</summary>
    /// <exception cref="Akka.Configuration.ConfigurationException">a key is missing or out of range; the message names it.</exception>
    public static MachineSettings FromConfig(Akka.Configuration.Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var read = new Configuration.ConfigReader(config, "");
        int slice = read.Int(SliceInstructionsPath, null, 1, MaxSliceInstructions);
        string dispatcher = read.Text(VcpuDispatcherPath, null);
        if (dispatcher.Length == 0 || !config.HasPath($"{dispatcher}.type"))
        {
            throw new Akka.Configuration.ConfigurationException(
                $"{VcpuDispatcherPath} names dispatcher \"{dispatcher}\", which the configuration does not define (a section with a type)");
        }
        int ring = read.Int(RingSizePath, null, 1, MaxRingSize);
        if ((ring & (ring - 1)) != 0)
        {
            throw read.Bad(RingSizePath, $"a power of two from 1 to {MaxRingSize}");
        }
        return new MachineSettings(slice, dispatcher, (ushort)ring, ParseEngine(read.Text(EnginePath, null)) ?? throw read.Bad(EnginePath, "\"compiled\" or \"interpreter\""));
    }

    /// <summary>"compiled" or "interpreter" (any case), else null.</summary>
    public static Cpu.CpuEngine? ParseEngine(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "compiled" => Cpu.CpuEngine.Compiled,
        "interpreter" => Cpu.CpuEngine.Interpreter,
        _ => null,
    };
}

/// <summary>Sent by the launcher to its exit listener when the VM has ended (or failed to boot).</summary>
public sealed record VmExited(string Name, GuestExitKind Kind, string Reason);
