using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;

namespace LguestActors.Actors.Devices;

/// <summary>
/// Every device kind this machine has: what a name in a fault plan or an experiment may refer to.
/// A new kind adds its one line here; nothing else in the launcher knows kinds.
/// </summary>
public static class DeviceKinds
{
    public static IReadOnlyList<DeviceKind> All { get; } =
    [
        ConsoleConfig.Declared,
        NetDeviceConfig.Declared,
        BlockDeviceConfig.Declared,
        Rng.RngDeviceConfig.Declared,
    ];

    /// <summary>Whether <paramref name="name"/> is a child name some kind gives (console, console1, net0, blk2 …).</summary>
    public static bool IsDeviceName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var kind in All)
        {
            if (!name.StartsWith(kind.Name, StringComparison.Ordinal))
            {
                continue;
            }
            string number = name[kind.Name.Length..];
            if (number.Length == 0)
            {
                if (kind.FirstUnnumbered)
                {
                    return true;
                }
                continue;
            }
            if (number.All(char.IsAsciiDigit) && (number == "0" || number[0] != '0') && !(kind.FirstUnnumbered && number == "0"))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The names one VM's first device of each kind gets, for messages: console, net0, blk0 ….</summary>
    public static string Examples => string.Join(", ", All.Select(k => k.ChildName(0)));
}
