using Akka.Configuration;
using LguestActors.Actors.Configuration;
using LguestActors.Actors.Launcher;

namespace LguestActors.Host.Configuration;

/// <summary>The console escape: <see cref="Count"/> presses of <see cref="Key"/> within <see cref="Window"/> stop the VM.</summary>
/// <param name="Key">The byte the terminal sends for the key (Ctrl-C is 3), or null when the escape is off.</param>
internal sealed record ConsoleEscape(byte? Key, int Count, TimeSpan Window);

/// <summary>The <c>lguest</c> section of config/akka.hocon, read once and checked, so a bad setting is one clear line at startup.</summary>
internal sealed record LguestSettings(
    int SliceInstructions,
    string VcpuDispatcher,
    int RingSize,
    string DeviceIoDispatcher,
    ConsoleEscape ConsoleEscape,
    Cpu.CpuEngine Engine = Cpu.CpuEngine.Compiled)
{
    /// <summary>Up to this many VMs in the process, each vCPU runs on <see cref="VcpuDispatcher"/> (lguest.vcpu.pinned-up-to).</summary>
    public int PinnedUpTo { get; init; } = int.MaxValue;

    /// <summary>Where every vCPU runs when the process has more VMs than <see cref="PinnedUpTo"/> (lguest.vcpu.fleet-dispatcher).</summary>
    public string FleetDispatcher { get; init; } = VcpuDispatcher;

    public const string SliceInstructionsPath = MachineSettings.SliceInstructionsPath;
    public const string VcpuDispatcherPath = MachineSettings.VcpuDispatcherPath;
    public const string RingSizePath = MachineSettings.RingSizePath;
    public const string PinnedUpToPath = "lguest.vcpu.pinned-up-to";
    public const string FleetDispatcherPath = "lguest.vcpu.fleet-dispatcher";
    public const string EnginePath = MachineSettings.EnginePath;
    public const string DeviceIoDispatcherPath = "lguest.devices.io-dispatcher";
    public const string EscapeKeyPath = "lguest.console.escape-key";
    public const string EscapeCountPath = "lguest.console.escape-count";
    public const string EscapeWindowPath = "lguest.console.escape-window";

    /// <summary>Every key this class reads.</summary>
    public static readonly IReadOnlyList<string> Paths =
    [
        SliceInstructionsPath, VcpuDispatcherPath, PinnedUpToPath, FleetDispatcherPath, RingSizePath, EnginePath, DeviceIoDispatcherPath,
        EscapeKeyPath, EscapeCountPath, EscapeWindowPath,
    ];

    /// <summary>The largest ring the device area holds for every queue (<see cref="MachineSettings.MaxRingSize"/>).</summary>
    public const int MaxRingSize = MachineSettings.MaxRingSize;

    /// <exception cref="ConfigurationException">a key is missing or its value is out of range; the message names the key.</exception>
    public static LguestSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var read = new ConfigReader(config, "");
        MachineSettings machine = MachineSettings.FromConfig(config);
        int slice = (int)machine.SliceInstructions;
        string vcpuDispatcher = machine.VcpuDispatcher!;
        int ring = machine.RingSize;
        string ioDispatcher = RequireDispatcher(config, read, DeviceIoDispatcherPath);
        int pinnedUpTo = read.Int(PinnedUpToPath, null, 0, Cli.Fleet.MaxCount + 1);
        string fleetDispatcher = RequireDispatcher(config, read, FleetDispatcherPath);

        byte? key = ParseEscapeKey(read.Text(EscapeKeyPath, null));
        int count = read.Int(EscapeCountPath, null, 1, 100);
        TimeSpan window = read.Duration(EscapeWindowPath, null, TimeSpan.FromMilliseconds(1));

        return new LguestSettings(slice, vcpuDispatcher, ring, ioDispatcher, new ConsoleEscape(key, count, window), machine.Engine)
        {
            PinnedUpTo = pinnedUpTo, FleetDispatcher = fleetDispatcher,
        };
    }

    /// <summary>The VM-building part of the settings, for one VM alone in the process.</summary>
    public MachineSettings Machine => MachineFor(1);

    /// <summary>
    /// The VM-building part of the settings when the process runs <paramref name="vmCount"/> VMs:
    /// a few VMs each keep a vCPU thread of their own (one VM's latency); a fleet's vCPUs share
    /// the bounded pool, since 10,000 runnable threads on 2 cores make boot and stop crawl
    /// (docs/PERFORMANCE.md, density). A vCPU never blocks its thread (HALT and a NOTIFY being
    /// served park the actor, each slice ends with a message), so a shared pool cannot deadlock.
    /// </summary>
    public MachineSettings MachineFor(int vmCount) =>
        new(SliceInstructions, vmCount > PinnedUpTo ? FleetDispatcher : VcpuDispatcher, (ushort)RingSize, Engine);

    /// <summary>"ctrl-a" .. "ctrl-z" → 1 .. 26, the byte a raw terminal sends; "off" → null.</summary>
    internal static byte? ParseEscapeKey(string? value)
    {
        string text = (value ?? "").Trim().ToLowerInvariant();
        if (text == "off")
        {
            return null;
        }
        if (text.Length == 6 && text.StartsWith("ctrl-", StringComparison.Ordinal) && text[5] is >= 'a' and <= 'z')
        {
            return (byte)(text[5] - 'a' + 1);
        }
        throw new ConfigurationException($"{EscapeKeyPath} must be \"ctrl-a\" .. \"ctrl-z\" or \"off\", not \"{value}\"");
    }

    private static string RequireDispatcher(Config config, ConfigReader read, string path)
    {
        string id = read.Text(path, null);
        if (id.Length == 0 || !config.HasPath(id) || !config.HasPath($"{id}.type"))
        {
            throw new ConfigurationException($"{path} names dispatcher \"{id}\", which the configuration does not define (a section with a type)");
        }
        return id;
    }
}
