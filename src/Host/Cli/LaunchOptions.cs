using System.Globalization;
using System.Text;
using LguestActors.Actors.Launcher.Boot;

namespace LguestActors.Host.Cli;

/// <summary>What the command line asks for.</summary>
internal abstract record HostCommand
{
    private HostCommand()
    {
    }

    /// <summary>Boot a VM.</summary>
    public sealed record Run(LaunchOptions Options) : HostCommand;

    /// <summary>--help.</summary>
    public sealed record ShowHelp : HostCommand;

    /// <summary>--version.</summary>
    public sealed record ShowVersion : HostCommand;

    /// <summary>The command line is wrong; <see cref="Message"/> is one line saying how.</summary>
    public sealed record UsageError(string Message) : HostCommand;

    /// <summary>--replay FILE: rerun a recorded session (its command line is in the file).</summary>
    public sealed record Replay(string Path) : HostCommand;
}

/// <summary>
/// <c>lguest-actors [options] &lt;mem-MB&gt; [kernel.elf] [-- kernel args]</c>, parsed.
/// Pure: files are looked at later (<see cref="KernelFile"/>), so this is tested without a disk.
/// </summary>
/// <param name="MemoryMegabytes">Guest RAM in MiB.</param>
/// <param name="KernelPath">The kernel ELF to boot, or null for the bundled sample guest.</param>
/// <param name="CommandLine">The kernel command line: the arguments after <c>--</c>, joined by spaces (as lguest joined them).</param>
/// <param name="Net">The first VM's net device, or null for none (<c>--net</c> before any <c>--vm</c>).</param>
/// <param name="Mac">The first VM's MAC (<c>--mac</c>), or null for one derived from its name.</param>
/// <param name="ExtraVms">More VMs in the same process (<c>--vm</c> groups), or null for none.</param>
/// <param name="BlockDevices">The first VM's <c>--block=FILE[,ro]</c> disks, in order (blk0, blk1...).</param>
/// <param name="Simulation">Run on the simulation engine (<c>--simulate</c>, <c>--record</c>), or null for real time.</param>
/// <param name="FirstName">The first VM's name: <c>guest</c>, or <c>guest-1</c> when <c>--fleet</c> copies it.</param>
/// <param name="Timings">--timings: report where the start-up time went, on stderr at exit.</param>
/// <param name="Engine">Every vCPU's engine (<c>--engine</c>), or null for lguest.vcpu.engine in config/akka.hocon.</param>
/// <param name="InitrdPath">The first VM's <c>--initrd=FILE</c>, or null for none.</param>
internal sealed record LaunchOptions(int MemoryMegabytes, string? KernelPath, string CommandLine,
    NetAttachment? Net = null, Actors.Devices.Net.MacAddress? Mac = null, IReadOnlyList<ExtraVmOptions>? ExtraVms = null,
    IReadOnlyList<BlockOption>? BlockDevices = null, SimulationOptions? Simulation = null, string FirstName = LaunchOptions.FirstVmName,
    bool Timings = false, Cpu.CpuEngine? Engine = null, string? InitrdPath = null)
{
    public const int MinMemoryMegabytes = 1;

    /// <summary>
    /// The guest's RAM, device page and rings are all mapped at PAGE_OFFSET in the 1 GiB kernel
    /// window (<see cref="InitialPageTables.MaxMapBytes"/>); one 4 MiB large page of it is kept for
    /// the device area above RAM.
    /// </summary>
    public const int MaxMemoryMegabytes = (int)(InitialPageTables.MaxMapBytes / Mebibyte) - DeviceAreaMegabytes;

    private const int DeviceAreaMegabytes = 4;
    private const ulong Mebibyte = 1024 * 1024;

    /// <summary>Options that lguest had and this host will have, each its own later issue.</summary>
    private static readonly string[] NotYetSupported = ["tunnet", "rng"];

    public ulong MemoryBytes => (ulong)MemoryMegabytes * Mebibyte;

    public static HostCommand Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);

        var positional = new List<string>();
        var blocks = new List<BlockOption>();
        string commandLine = "";
        bool help = false, version = false, timings = false;
        string? error = null;
        int? firstFleet = null;
        NetAttachment? net = null;
        Actors.Devices.Net.MacAddress? mac = null;
        string? firstCmdline = null;
        string? initrd = null;
        List<ExtraVmOptions>? extra = null;
        var simulation = new SimulationFlags();
        Cpu.CpuEngine? engine = null;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                commandLine = string.Join(' ', args.Skip(i + 1));
                break;
            }
            if (arg.Length > 1 && arg[0] == '-')
            {
                switch (arg)
                {
                    case "-h" or "--help":
                        help = true;
                        break;
                    case "--version":
                        version = true;
                        break;
                    case "--timings":
                        timings = true;
                        break;
                    case "--fleet" or "--fleet=" when i + 1 >= args.Count || arg == "--fleet=":
                        error ??= "option --fleet needs a count: --fleet=N";
                        break;
                    case var _ when arg == "--fleet" || arg.StartsWith("--fleet=", StringComparison.Ordinal):
                        error ??= Fleet.Parse(arg == "--fleet" ? args[++i] : arg["--fleet=".Length..], ref firstFleet, extra);
                        break;
                    case var vmGroup when vmGroup.StartsWith("--vm=", StringComparison.Ordinal) || vmGroup.StartsWith("--net=", StringComparison.Ordinal)
                        || vmGroup.StartsWith("--mac=", StringComparison.Ordinal) || vmGroup.StartsWith("--cmdline=", StringComparison.Ordinal):
                        error ??= ParseVmGroupOption(arg, ref net, ref mac, ref firstCmdline, ref extra);
                        break;
                    case var _ when SimulationFlags.Owns(arg):
                        error ??= simulation.Take(arg, args, ref i);
                        break;
                    case var _ when arg.StartsWith("--engine", StringComparison.Ordinal):
                        engine = arg.StartsWith("--engine=", StringComparison.Ordinal) ? Actors.Launcher.MachineSettings.ParseEngine(arg["--engine=".Length..]) : null;
                        if (engine is null)
                        {
                            error ??= $"{arg}: expected --engine=compiled or --engine=interpreter";
                        }
                        break;
                    case "--block" or "--block=":
                        error ??= "option --block needs a file: --block=FILE or --block=FILE,ro";
                        break;
                    case var _ when arg.StartsWith("--block=", StringComparison.Ordinal):
                        if (extra is { Count: > 0 })
                        {
                            error ??= $"{arg}: disks belong to the first VM; put --block before any --vm";
                            break;
                        }
                        blocks.Add(BlockOption.Parse(arg["--block=".Length..]));
                        break;
                    case "--initrd" or "--initrd=":
                        error ??= "option --initrd needs a file: --initrd=FILE";
                        break;
                    case var _ when arg.StartsWith("--initrd=", StringComparison.Ordinal):
                        if (extra is { Count: > 0 })
                        {
                            error ??= $"{arg}: the initrd belongs to the first VM; put --initrd before any --vm";
                        }
                        else if (initrd is not null)
                        {
                            error ??= $"{arg}: --initrd was already given ({initrd}); a VM has one initrd";
                        }
                        initrd ??= arg["--initrd=".Length..];
                        break;
                    default:
                        error ??= UnknownOption(arg);
                        break;
                }
                continue;
            }
            positional.Add(arg);
        }

        // --help and --version answer even a command line that is otherwise wrong.
        if (help)
        {
            return new HostCommand.ShowHelp();
        }
        if (version)
        {
            return new HostCommand.ShowVersion();
        }
        if (error is not null)
        {
            return new HostCommand.UsageError(error);
        }
        if (simulation.ReplayPath is { } replay)
        {
            return args.Count == (args.Contains("--replay") ? 2 : 1)
                ? new HostCommand.Replay(replay)
                : new HostCommand.UsageError("--replay FILE takes the whole command line from the recording: give it alone");
        }
        if (simulation.Error() is { } simulationError)
        {
            return new HostCommand.UsageError(simulationError);
        }

        if (positional.Count == 0)
        {
            return new HostCommand.UsageError("missing the guest memory size in MiB");
        }
        if (positional.Count > 2)
        {
            return new HostCommand.UsageError($"unexpected argument '{positional[2]}': kernel arguments go after --");
        }
        (int megabytes, string? memoryError) = ParseMemory(positional[0]);
        if (memoryError is not null)
        {
            return new HostCommand.UsageError(memoryError);
        }

        if (firstCmdline is not null)
        {
            commandLine = commandLine.Length == 0 ? firstCmdline : $"{firstCmdline} {commandLine}";
        }
        // Checked here, before anything starts: the zero page holds at most this much.
        if (CommandLineError(FirstVmName, commandLine) is string lineError)
        {
            return new HostCommand.UsageError(lineError);
        }
        foreach (var vm in extra ?? [])
        {
            if (CommandLineError(vm.Name, vm.CommandLine) is string vmLineError)
            {
                return new HostCommand.UsageError(vmLineError);
            }
        }
        string? kernel = positional.Count > 1 ? positional[1] : null;
        string firstName = FirstVmName;
        if (firstFleet > 1 && initrd is not null)
        {
            // Like disks: the copies are --vm VMs, and those take no initrd (yet); never one silently left out.
            return new HostCommand.UsageError($"--fleet={firstFleet}: copies of a VM do not take its --initrd; only the first VM has one");
        }
        if (Fleet.Expand(firstFleet, new ExtraVmOptions(FirstVmName, megabytes, kernel, commandLine, net, mac), blocks.Count > 0, ref extra, ref firstName) is string fleetError)
        {
            return new HostCommand.UsageError(fleetError);
        }
        if (extra is not null && extra.Any(v => v.Name == firstName))
        {
            return new HostCommand.UsageError($"--vm={firstName}: the first VM is named '{firstName}'; give the others other names");
        }
        if (extra?.GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            return new HostCommand.UsageError($"--vm={twice.Key}: two VMs with the same name");
        }
        return new HostCommand.Run(new LaunchOptions(megabytes, kernel, commandLine, net, mac, extra, blocks.Count > 0 ? blocks : null, simulation.Options(), firstName, timings, engine, initrd));
    }

    /// <summary>The name of the VM the positional arguments describe (/user/vmm/vm-guest).</summary>
    public const string FirstVmName = "guest";

    /// <summary>
    /// --vm starts another VM's group; --net, --mac and --cmdline apply to the latest --vm, or to the
    /// first VM before any --vm. Returns an error line, or null.
    /// </summary>
    private static string? ParseVmGroupOption(string arg, ref NetAttachment? net, ref Actors.Devices.Net.MacAddress? mac,
        ref string? firstCmdline, ref List<ExtraVmOptions>? extra)
    {
        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        string name = arg[2..equals];
        string value = arg[(equals + 1)..];
        ExtraVmOptions? current = extra is { Count: > 0 } ? extra[^1] : null;
        switch (name)
        {
            case "vm":
                if (!ExtraVmOptions.TryParse(value, out var vm, out var vmError))
                {
                    return vmError;
                }
                (extra ??= []).Add(vm!);
                return null;
            case "net":
                if (!NetAttachment.TryParse(value, out var attachment, out var netError))
                {
                    return netError;
                }
                if (current is null)
                {
                    net = attachment;
                }
                else
                {
                    extra![^1] = current with { Net = attachment };
                }
                return null;
            case "mac":
                if (!Actors.Devices.Net.MacAddress.TryParse(value, out var parsed) || parsed.IsGroup)
                {
                    return $"--mac={value}: expected a unicast MAC address like 52:54:00:12:34:56";
                }
                if (current is null)
                {
                    mac = parsed;
                }
                else
                {
                    extra![^1] = current with { Mac = parsed };
                }
                return null;
            default: // cmdline
                if (current is null)
                {
                    firstCmdline = value;
                }
                else
                {
                    extra![^1] = current with { CommandLine = value };
                }
                return null;
        }
    }

    private static string? CommandLineError(string vm, string commandLine)
    {
        int lineBytes = Encoding.UTF8.GetByteCount(commandLine);
        if (lineBytes <= BootParams.MaxCommandLineBytes)
        {
            return null;
        }
        string whose = vm == FirstVmName ? "the kernel command line" : $"vm {vm}'s kernel command line";
        return $"{whose} is {lineBytes} bytes; the limit is {BootParams.MaxCommandLineBytes}";
    }

    private static (int Megabytes, string? Error) ParseMemory(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int megabytes))
        {
            // Digits only, so "64M", "1e3" and "0x40" are explained, not half-understood.
            return text.Length > 0 && text.All(char.IsAsciiDigit)
                ? (0, $"memory size '{text}' is too big: the most is {MaxMemoryMegabytes} MiB")
                : (0, $"memory size '{text}' is not a number of MiB");
        }
        if (megabytes < MinMemoryMegabytes)
        {
            return (0, $"memory size must be at least {MinMemoryMegabytes} MiB");
        }
        if (megabytes > MaxMemoryMegabytes)
        {
            return (0, $"memory size {megabytes} MiB is too big: the most is {MaxMemoryMegabytes} MiB (the 1 GiB kernel window)");
        }
        return (megabytes, null);
    }

    private static string UnknownOption(string arg)
    {
        string name = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
        int equals = name.IndexOf('=', StringComparison.Ordinal);
        if (equals >= 0)
        {
            name = name[..equals];
        }
        return NotYetSupported.Contains(name, StringComparer.Ordinal)
            ? $"option --{name} is not supported yet"
            : $"unknown option '{arg}'";
    }
}

/// <summary>
/// One <c>--block=FILE</c> (read-write) or <c>--block=FILE,ro</c> (read-only). Only a final
/// <c>,ro</c> is special, so a file name may hold commas.
/// </summary>
internal sealed record BlockOption(string Path, bool ReadOnly)
{
    public const string ReadOnlySuffix = ",ro";

    public static BlockOption Parse(string value) =>
        value.EndsWith(ReadOnlySuffix, StringComparison.Ordinal) && value.Length > ReadOnlySuffix.Length
            ? new BlockOption(value[..^ReadOnlySuffix.Length], true)
            : new BlockOption(value, false);
}
