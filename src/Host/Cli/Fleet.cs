using System.Globalization;

namespace LguestActors.Host.Cli;

/// <summary>
/// <c>--fleet=N</c>: N identical VMs from one VM group, named NAME-1..NAME-N. In the first group
/// (before any <c>--vm</c>) the first copy, guest-1, keeps the terminal and the exit code and the
/// others are like <c>--vm</c> VMs (console on stderr, prefixed); after a <c>--vm=NAME:MEM</c> every
/// copy is. Copies differ only in their names, and so in their MACs (a hash of the name).
/// </summary>
internal static class Fleet
{
    /// <summary>Far more than one machine holds; the bound only keeps a typo from allocating forever.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>Reads N into the current group (the last --vm, or the first VM). Returns an error line, or null.</summary>
    public static string? Parse(string value, ref int? firstFleet, List<ExtraVmOptions>? extra)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1 || count > MaxCount)
        {
            return $"--fleet={value}: expected a number of VMs from 1 to {MaxCount}";
        }
        if (extra is { Count: > 0 })
        {
            if (extra[^1].Fleet != 0)
            {
                return $"--fleet={value}: VM {extra[^1].Name} already has a --fleet";
            }
            extra[^1] = extra[^1] with { Fleet = count };
            return null;
        }
        if (firstFleet is not null)
        {
            return $"--fleet={value}: the first VM already has a --fleet";
        }
        firstFleet = count;
        return null;
    }

    /// <summary>
    /// Replaces every group that has a fleet by its copies. <paramref name="first"/> is the first
    /// VM's group as parsed; with a fleet it becomes guest-1 (<paramref name="firstName"/>) and
    /// guest-2..N go first among the others. Returns an error line, or null.
    /// </summary>
    public static string? Expand(int? firstFleet, ExtraVmOptions first, bool firstHasDisks, ref List<ExtraVmOptions>? extra, ref string firstName)
    {
        var expanded = new List<ExtraVmOptions>();
        if (firstFleet is int n)
        {
            if (n > 1 && firstHasDisks)
            {
                return $"--fleet={n}: copies of a VM cannot share its --block disks; give the fleet no disk";
            }
            if (n > 1 && first.Mac is not null)
            {
                return $"--fleet={n}: copies of a VM cannot share one --mac; leave it out (each copy's MAC comes from its name)";
            }
            firstName = $"{first.Name}-1";
            for (int i = 2; i <= n; i++)
            {
                expanded.Add(first with { Name = $"{first.Name}-{i}" });
            }
        }
        foreach (var vm in extra ?? [])
        {
            if (vm.Fleet == 0)
            {
                expanded.Add(vm);
                continue;
            }
            if (vm.Fleet > 1 && vm.Mac is not null)
            {
                return $"--fleet={vm.Fleet}: copies of VM {vm.Name} cannot share one --mac; leave it out (each copy's MAC comes from its name)";
            }
            for (int i = 1; i <= vm.Fleet; i++)
            {
                expanded.Add(vm with { Name = $"{vm.Name}-{i}", Fleet = 0 });
            }
        }
        if (expanded.Count > 0 || extra is not null)
        {
            extra = expanded;
        }
        return null;
    }
}
