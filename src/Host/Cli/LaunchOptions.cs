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
}

/// <summary>
/// <c>lguest-actors [options] &lt;mem-MB&gt; [kernel.elf] [-- kernel args]</c>, parsed.
/// Pure: files are looked at later (<see cref="KernelFile"/>), so this is tested without a disk.
/// </summary>
/// <param name="MemoryMegabytes">Guest RAM in MiB.</param>
/// <param name="KernelPath">The kernel ELF to boot, or null for the bundled sample guest.</param>
/// <param name="CommandLine">The kernel command line: the arguments after <c>--</c>, joined by spaces (as lguest joined them).</param>
/// <param name="BlockDevices">The <c>--block=FILE[,ro]</c> disks, in order (blk0, blk1...).</param>
internal sealed record LaunchOptions(int MemoryMegabytes, string? KernelPath, string CommandLine, IReadOnlyList<BlockOption>? BlockDevices = null)
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
    private static readonly string[] NotYetSupported = ["net", "tunnet", "initrd", "rng"];

    public ulong MemoryBytes => (ulong)MemoryMegabytes * Mebibyte;

    public static HostCommand Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);

        var positional = new List<string>();
        var blocks = new List<BlockOption>();
        string commandLine = "";
        bool help = false, version = false;
        string? error = null;

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
                    case "--block" or "--block=":
                        error ??= "option --block needs a file: --block=FILE or --block=FILE,ro";
                        break;
                    case var _ when arg.StartsWith("--block=", StringComparison.Ordinal):
                        blocks.Add(BlockOption.Parse(arg["--block=".Length..]));
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

        int lineBytes = Encoding.UTF8.GetByteCount(commandLine);
        if (lineBytes > BootParams.MaxCommandLineBytes)
        {
            return new HostCommand.UsageError(
                $"the kernel command line is {lineBytes} bytes; the limit is {BootParams.MaxCommandLineBytes}");
        }

        string? kernel = positional.Count > 1 ? positional[1] : null;
        return new HostCommand.Run(new LaunchOptions(megabytes, kernel, commandLine, blocks));
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
