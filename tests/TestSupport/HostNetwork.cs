using System.Diagnostics;
using LguestActors.Actors.Devices.Net;

namespace LguestActors.Testing;

/// <summary>
/// Tests on a real TAP interface: what this machine lacks to make one (such a test is then
/// reported as skipped with that reason), and running iproute2 and tools/icmp_ping.py. Each test
/// moves its interface into a network namespace of its own, so the machine's network is never touched.
/// </summary>
public static class HostNetwork
{
    private static readonly Lazy<string?> Missing = new(FindMissing);

    /// <summary>
    /// Why a TAP test cannot run here (not Linux, not root, no /dev/net/tun, no iproute2
    /// namespaces, or the kernel refuses a TAP interface: the open's own line), or null. Looked at once.
    /// </summary>
    public static string? TapMissing() => Missing.Value;

    private static string? FindMissing()
    {
        string? missing = !OperatingSystem.IsLinux() ? "not Linux"
            : Environment.UserName != "root" ? "not root (creating a TAP interface needs CAP_NET_ADMIN)"
            : !File.Exists(TapNetBackend.TunPath) ? $"no {TapNetBackend.TunPath}"
            : Run("ip", "netns list").Code != 0 ? "no iproute2 network namespaces"
            : null;
        if (missing is not null)
        {
            return missing;
        }
        try
        {
            // A container may be root without CAP_NET_ADMIN: only an open says (the interface goes with the descriptor).
            TapNetBackend.Open($"lgprobe{Environment.ProcessId % 10000}").Dispose();
            return null;
        }
        catch (NetBackendException e)
        {
            return e.Message;
        }
    }

    /// <summary>Runs a tool to its end: its exit code and its stdout then stderr (-1 and the reason when it cannot start).</summary>
    public static (int Code, string Output) Run(string file, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stderr = process.StandardError.ReadToEndAsync();
            string text = process.StandardOutput.ReadToEnd() + stderr.GetAwaiter().GetResult();
            process.WaitForExit();
            return (process.ExitCode, text);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    /// <summary>Pings <paramref name="address"/> from namespace <paramref name="ns"/> with tools/icmp_ping.py (python3, raw sockets).</summary>
    public static (int Code, string Output) Ping(string ns, string address, int count) =>
        Run("ip", $"netns exec {ns} python3 {Path.Combine(RepoPaths.Root, "tools", "icmp_ping.py")} {address} {count}");
}
