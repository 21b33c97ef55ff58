using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Network;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Net;

/// <summary>
/// End to end in-process: two sample kernels, each with a console and a net device, plugged into
/// one NetworkSwitch, ping each other through it.
/// </summary>
public sealed class TwoGuestPingTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static VmConfig Config(string name, string commandLine, IConsoleBackend console, IActorRef lan) =>
        new(name, 32UL << 20, File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf")), commandLine,
            [new ConsoleConfig(console), new NetDeviceConfig(MacAddress.FromName(name), new SwitchPortBackend(lan))]);

    [Fact]
    public async Task Two_sample_guests_on_one_switch_ping_each_other()
    {
        var lan = Sys.ActorOf(NetworkSwitch.Props("test"), NetworkSwitch.ActorPrefix + "test");
        var serverConsole = new InMemoryConsoleBackend();
        var clientConsole = new InMemoryConsoleBackend();
        var server = VmLauncher.Launch(Sys, Config("b", "ip=10.0.0.2 run=serve", serverConsole, lan));
        await serverConsole.WaitForOutputAsync("serving", Timeout);
        var client = VmLauncher.Launch(Sys, Config("a", "ip=10.0.0.1 run=ping target=10.0.0.2 count=3", clientConsole, lan));

        var exited = await client.Exited.WaitAsync(Timeout);

        Assert.True(exited.Kind == GuestExitKind.PowerOff && exited.Reason.StartsWith("ping: PASS 3/3", StringComparison.Ordinal),
            $"{exited}{Environment.NewLine}client console:{Environment.NewLine}{clientConsole.Output}{Environment.NewLine}server console:{Environment.NewLine}{serverConsole.Output}");
        Assert.Contains("64 bytes from 10.0.0.2: icmp_seq=3 time=", clientConsole.Output, StringComparison.Ordinal);
        var stats = await lan.Ask<SwitchStats>(GetSwitchStats.Instance, Timeout);
        Assert.Equal(stats.Port("vm-b/net0")!.Port, stats.MacTable[MacAddress.FromName("b")]);
        Assert.True(stats.Port("vm-b/net0")!.RxFrames >= 4, stats.ToString()); // an ARP reply and three echo replies

        server.Stop("test over");
        Assert.Equal(GuestExitKind.Stopped, (await server.Exited.WaitAsync(Timeout)).Kind);
        await AwaitConditionAsync(async () => (await lan.Ask<SwitchStats>(GetSwitchStats.Instance, Timeout)).Ports.Count == 0, Timeout);
    }

    [Fact]
    public async Task Ping_counts_past_65535_with_its_16_bit_sequence_wrapping()
    {
        // Issue 10: the sequence field is 16 bits and was compared with an int, so ping 65537 ended "FAIL 65535/65537".
        var lan = Sys.ActorOf(NetworkSwitch.Props("wrap"), NetworkSwitch.ActorPrefix + "wrap");
        var serverConsole = new InMemoryConsoleBackend();
        var clientConsole = new InMemoryConsoleBackend();
        var server = VmLauncher.Launch(Sys, Config("w2", "ip=10.0.0.2 run=serve", serverConsole, lan));
        await serverConsole.WaitForOutputAsync("serving", Timeout);
        var client = VmLauncher.Launch(Sys, Config("w1", "ip=10.0.0.1 run=ping target=10.0.0.2 count=65537", clientConsole, lan));

        var exited = await client.Exited.WaitAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(GuestExitKind.PowerOff, exited.Kind);
        Assert.StartsWith("ping: PASS 65537/65537", exited.Reason, StringComparison.Ordinal);
        server.Stop("test over");
        await server.Exited.WaitAsync(Timeout);
    }

    [Fact]
    public async Task The_shell_ping_command_prints_round_trip_times_and_the_net_command_counts()
    {
        var lan = Sys.ActorOf(NetworkSwitch.Props("shell"), NetworkSwitch.ActorPrefix + "shell");
        var serverConsole = new InMemoryConsoleBackend();
        var shellConsole = new InMemoryConsoleBackend();
        var server = VmLauncher.Launch(Sys, Config("s", "ip=10.0.0.2 run=serve", serverConsole, lan));
        var shell = VmLauncher.Launch(Sys, Config("c", "ip=10.0.0.1", shellConsole, lan));
        await serverConsole.WaitForOutputAsync("serving", Timeout);
        await shellConsole.WaitForOutputAsync("lguest> ", Timeout);

        shellConsole.Type("ping 10.0.0.2 2\r");
        await shellConsole.WaitForOutputAsync("2 transmitted, 2 received", Timeout);
        shellConsole.Type("net\r");
        await shellConsole.WaitForOutputAsync("pings answered", Timeout);
        Assert.Contains("64 bytes from 10.0.0.2: icmp_seq=2 time=", shellConsole.Output, StringComparison.Ordinal);
        Assert.Contains($"mac {MacAddress.FromName("c")}", shellConsole.Output, StringComparison.Ordinal);

        shell.Stop("test over");
        server.Stop("test over");
        await Task.WhenAll(shell.Exited, server.Exited).WaitAsync(Timeout);
    }
}
