using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Launcher;
using LguestActors.Testing;
using Xunit.Abstractions;

namespace LguestActors.Actors.Tests.Net;

/// <summary>
/// The sample guest on a real TAP interface answers pings from the host's own stack. The TAP is
/// created by this process, moved into a network namespace of its own (`ip netns add`) and
/// addressed there, so the machine's real network is never touched. Needs root, /dev/net/tun,
/// iproute2 and python3 (for tools/icmp_ping.py); without them the test says so and passes.
/// </summary>
public sealed class TapBackendTests(ITestOutputHelper output) : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_guest_on_a_TAP_interface_answers_pings_from_the_host_stack()
    {
        string? missing = HostNetwork.TapMissing();
        if (missing is not null)
        {
            output.WriteLine($"TAP test NOT RUN: {missing}");
            return;
        }
        string ns = $"lgtest{Environment.ProcessId}";
        string ifname = $"lgt{Environment.ProcessId % 100000}";
        TapNetBackend tap;
        try
        {
            tap = TapNetBackend.Open(ifname);
        }
        catch (NetBackendException e)
        {
            output.WriteLine($"TAP test NOT RUN: {e.Message}");
            return;
        }
        using var _ = tap;
        Assert.Equal(0, Run("ip", $"netns add {ns}").Code);
        try
        {
            var console = new InMemoryConsoleBackend();
            var vm = VmLauncher.Launch(Sys, new VmConfig("tap", 32UL << 20,
                File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf")), "ip=10.9.0.2 run=serve",
                [new ConsoleConfig(console), new NetDeviceConfig(MacAddress.FromName("tap"), tap)]));
            await console.WaitForOutputAsync("serving", Timeout);
            Assert.Equal(0, Run("ip", $"link set {ifname} netns {ns}").Code);
            Assert.Equal(0, Run("ip", $"netns exec {ns} ip addr add 10.9.0.1/24 dev {ifname}").Code);
            Assert.Equal(0, Run("ip", $"netns exec {ns} ip link set {ifname} up").Code);

            var ping = HostNetwork.Ping(ns, "10.9.0.2", 3);
            output.WriteLine(ping.Output);

            Assert.True(ping.Code == 0, $"{ping.Output}{Environment.NewLine}guest console:{Environment.NewLine}{console.Output}");
            Assert.Contains("3 transmitted, 3 received", ping.Output, StringComparison.Ordinal);
            vm.Stop("test over");
            await vm.Exited.WaitAsync(Timeout);
        }
        finally
        {
            Run("ip", $"netns del {ns}");
        }
    }

    private static (int Code, string Output) Run(string file, string arguments) => HostNetwork.Run(file, arguments);
}
