using System.Globalization;
using LguestActors.Actors.Devices.Net;

namespace LguestActors.Host.Cli;

/// <summary>Where a VM's net device goes: <c>--net=switch:NAME</c> or <c>--net=tap:IFNAME</c>.</summary>
internal sealed record NetAttachment(NetAttachmentKind Kind, string Name)
{
    public static bool TryParse(string value, out NetAttachment? net, out string? error)
    {
        net = null;
        error = null;
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? value : value[..colon];
        string name = colon < 0 ? "" : value[(colon + 1)..];
        if (kind is not ("switch" or "tap") || name.Length == 0)
        {
            error = $"--net={value}: expected switch:NAME or tap:IFNAME";
            return false;
        }
        if (kind == "switch" && !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            error = $"--net={value}: a switch name is letters, digits, '-' and '_'";
            return false;
        }
        if (kind == "tap" && (name.Length > 15 || name.Any(c => c is '/' or ' ' or ':')))
        {
            error = $"--net={value}: '{name}' is not a network interface name (at most 15 characters, no '/', ' ' or ':')";
            return false;
        }
        net = new NetAttachment(kind == "switch" ? NetAttachmentKind.Switch : NetAttachmentKind.Tap, name);
        return true;
    }
}

internal enum NetAttachmentKind
{
    Switch,
    Tap,
}

/// <summary>
/// One more VM in the same process: <c>--vm=NAME:MEM[:KERNEL]</c>, then its own <c>--net</c>,
/// <c>--mac</c> and <c>--cmdline</c>. Its console output goes to stderr, each line prefixed
/// <c>[NAME] </c>; it has no console input. <paramref name="Fleet"/>: 0, or the N of a <c>--fleet=N</c>
/// after it (expanded by <see cref="Cli.Fleet.Expand"/> into NAME-1..NAME-N).
/// </summary>
internal sealed record ExtraVmOptions(string Name, int MemoryMegabytes, string? KernelPath, string CommandLine, NetAttachment? Net, MacAddress? Mac,
    int Fleet = 0)
{
    public ulong MemoryBytes => (ulong)MemoryMegabytes * 1024 * 1024;

    public static bool TryParse(string value, out ExtraVmOptions? vm, out string? error)
    {
        vm = null;
        error = null;
        var parts = value.Split(':', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || !parts[0].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            error = $"--vm={value}: expected NAME:MEM[:KERNEL] with a name of letters, digits, '-' and '_'";
            return false;
        }
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int megabytes)
            || megabytes < LaunchOptions.MinMemoryMegabytes || megabytes > LaunchOptions.MaxMemoryMegabytes)
        {
            error = $"--vm={value}: memory '{parts[1]}' is not a number of MiB from {LaunchOptions.MinMemoryMegabytes} to {LaunchOptions.MaxMemoryMegabytes}";
            return false;
        }
        vm = new ExtraVmOptions(parts[0], megabytes, parts.Length > 2 && parts[2].Length > 0 ? parts[2] : null, "", null, null);
        return true;
    }
}
