using System.Text.RegularExpressions;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Rng;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Rng;

/// <summary>The sample kernel's virtio-rng driver against the device, booted on the interpreter.</summary>
public sealed partial class RngGuestTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static VmConfig Config(string commandLine, IConsoleBackend console, IEntropySource source) =>
        new("rng", 32UL << 20, File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf")),
            commandLine, [new ConsoleConfig(console), new RngDeviceConfig(source)]);

    [Fact]
    public async Task The_rng_shell_command_prints_the_bytes_the_device_drew_from_its_source()
    {
        var guest = BootedGuest.Start(this, GuestImages.Read(), devices: [new RngDeviceConfig(new SeededEntropySource(5))]);

        await guest.WaitForOutputAsync("lguest> ", Timeout);
        guest.Type("rng 24");
        await guest.WaitForOutputAsync("\r\nlguest> ", Timeout);
        guest.Type("devices");
        await guest.WaitForOutputAsync("rng type 4 status 0x07", Timeout);
        guest.Type("poweroff");
        await guest.ExitedAsync(Timeout);

        var expected = new byte[24];
        new SeededEntropySource(5).Fill(expected);
        Assert.Contains($"rng 24\r\n{Convert.ToHexStringLower(expected)}\r\n", guest.Console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_rng_workload_gets_every_request_answered_from_the_OS_source_and_powers_off()
    {
        var console = new InMemoryConsoleBackend();
        var exits = CreateTestProbe();
        Sys.ActorOf(GuestSupervisor.Props(Config("run=rng n=20", console, OsEntropySource.Instance), exits.Ref));

        var exited = await exits.ExpectMsgAsync<VmExited>(Timeout);

        Assert.Equal((GuestExitKind.PowerOff, "rng: done 20"), (exited.Kind, exited.Reason));
        var lines = RngLine().Matches(console.Output).Select(m => m.Groups[2].Value).ToList();
        Assert.Equal(20, lines.Count);
        Assert.Equal(20, lines.Distinct().Count()); // 128 random bits each: a repeat would mean a stale buffer
    }

    [GeneratedRegex(@"rng (\d+) ([0-9a-f]{32})\r\n")]
    private static partial Regex RngLine();
}
