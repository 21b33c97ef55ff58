using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Block;

/// <summary>
/// End to end: the sample kernel writes a seeded pattern through the virtio block device
/// (run=blktest mode=write), powers off, and the host file holds exactly that pattern; a second
/// boot reads it back (mode=verify) and passes.
/// </summary>
public sealed class BlockGuestTests : TestKit, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private const int DiskSectors = 2048; // 1 MiB
    private readonly string _disk = Path.Combine(Path.GetTempPath(), $"blk-e2e-{Guid.NewGuid():N}.img");

    public BlockGuestTests() : base(BlockTestConfig.IoDispatcher)
    {
        File.WriteAllBytes(_disk, new byte[DiskSectors * 512]);
    }

    private async Task<(VmExited Exit, string Console)> BootAsync(string commandLine, bool readOnly = false)
    {
        var console = new InMemoryConsoleBackend();
        using var disk = FileBlockBackend.Open(_disk, readOnly);
        var config = new VmConfig("blk", 32UL << 20, File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf")),
            commandLine, [new ConsoleConfig(console), new BlockDeviceConfig(disk)]);
        var exits = CreateTestProbe();
        Sys.ActorOf(GuestSupervisor.Props(config, exits.Ref));
        var exited = await exits.ExpectMsgAsync<VmExited>(Timeout).AsTask().ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
        Assert.True(exited is not null, $"the VM did not end; console:{Environment.NewLine}{console.Output}");
        return (exited, console.Output);
    }

    [Fact]
    public async Task The_guest_writes_a_pattern_the_host_finds_byte_for_byte_and_a_second_boot_verifies_it()
    {
        const uint seed = 42, start = 100, count = 300;

        var (written, console) = await BootAsync($"run=blktest seed={seed} start={start} count={count} mode=write");

        Assert.True(written.Kind == GuestExitKind.PowerOff && written.Reason.StartsWith("blktest: PASS wrote 300 sectors", StringComparison.Ordinal),
            $"{written}{Environment.NewLine}{console}");
        var file = File.ReadAllBytes(_disk);
        for (uint s = 0; s < DiskSectors; s++)
        {
            var expected = s >= start && s < start + count ? BlockPattern.Sector(seed, s) : new byte[512];
            Assert.True(expected.AsSpan().SequenceEqual(file.AsSpan((int)(s * 512), 512)), $"sector {s} differs");
        }

        var (verified, console2) = await BootAsync($"run=blktest seed={seed} start={start} count={count} mode=verify", readOnly: true);
        Assert.True(verified.Kind == GuestExitKind.PowerOff && verified.Reason.StartsWith("blktest: PASS verified 300 sectors from 100 seed 42: 0 bad", StringComparison.Ordinal),
            $"{verified}{Environment.NewLine}{console2}");
    }

    [Fact]
    public async Task Verifying_with_the_wrong_seed_fails_and_says_how_many_sectors_are_bad()
    {
        var (exit, console) = await BootAsync("run=blktest seed=7 start=0 count=16 mode=verify");

        Assert.True(exit.Reason.StartsWith("blktest: FAIL verified 16 sectors from 0 seed 7: 16 bad", StringComparison.Ordinal), $"{exit}{Environment.NewLine}{console}");
    }

    [Fact]
    public async Task A_write_to_a_read_only_disk_is_an_IO_error_the_guest_reports()
    {
        var (exit, console) = await BootAsync("run=blktest seed=1 start=0 count=8 mode=write", readOnly: true);

        Assert.True(exit.Reason.StartsWith("blktest: FAIL wrote 8 sectors from 0 seed 1: 0 bad, 1 I/O errors", StringComparison.Ordinal), $"{exit}{Environment.NewLine}{console}");
        Assert.Equal(new byte[DiskSectors * 512], File.ReadAllBytes(_disk));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            File.Delete(_disk);
        }
    }
}
