using System.Text.RegularExpressions;
using LguestActors.Host.Experiments;
using LguestActors.Host.Tests.Hosting;
using Xunit.Abstractions;

namespace LguestActors.Host.Tests.Linux;

// A real Linux 3.10 lguest guest (../shared/linux, docs/LINUX.md) with our user space
// (guest/linux, --initrd=guest/prebuilt/initramfs.cpio), on the built executable.
public sealed partial class LinuxBootTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Generous: the suite runs several test projects at once on a 2-core machine.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);
    private const int DiskSectors = 16384; // 8 MiB

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-linux-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string NewDisk()
    {
        string path = Path.Combine(_dir.FullName, "disk.img");
        using (var file = File.Create(path))
        {
            file.SetLength(DiskSectors * 512L);
        }
        return path;
    }

    [LinuxFact]
    public async Task A_Linux_kernel_panic_exits_1_with_the_panic_line_not_0_like_a_power_off()
    {
        // No /init to run: Linux panics after unpacking the initramfs and powers off with the message.
        using var host = HostProcess.Start(null, "64", LinuxGuest.Kernel, $"--initrd={LinuxGuest.Initramfs}", "--", "console=hvc0", "rdinit=/nonexistent");

        int code = await host.WaitForExitAsync(BootTimeout);

        Assert.True(code == 1, $"exit {code}{host.Describe()}");
        Assert.Contains("Kernel panic - not syncing: VFS: Unable to mount root fs", host.Output, StringComparison.Ordinal);
        Assert.Contains("lguest-actors: the guest panicked: Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)", host.Errors, StringComparison.Ordinal);
    }

    [LinuxFact]
    public async Task Linux_boots_to_our_init_and_shell_a_person_types_commands_and_poweroff_exits_0()
    {
        string disk = NewDisk();
        using var host = HostProcess.Start(null, "64", LinuxGuest.Kernel, $"--initrd={LinuxGuest.Initramfs}", $"--block={disk}",
            "--", "console=hvc0", "init.disk=7,2048,256");
        try
        {
            int at = await host.WaitForAsync("init: starting /bin/sh", BootTimeout);
            at = await host.WaitForAsync("/ # ", StepTimeout, at);
            await host.TypeAsync("hello typed at the shell exit=3");
            at = await host.WaitForAsync("with 5 argument(s): typed at the shell exit=3", StepTimeout, at);
            at = await host.WaitForAsync("/ # ", StepTimeout, at);
            // x87 code runs in the kernel's math emulator (the vCPU has no FPU): in a forked child
            // of a process that has not used it yet, and in a process after exec.
            await host.TypeAsync("hello fork-x87 x87");
            at = await host.WaitForAsync("hello: after exec: the x87 says 355000/113 = 3142", StepTimeout, at);
            at = await host.WaitForAsync("/ # ", StepTimeout, at);
            await host.TypeAsync("ls /dev");
            at = await host.WaitForAsync("/ # ", StepTimeout, at);
            await host.TypeAsync("poweroff");
            int code = await host.WaitForExitAsync(StepTimeout);
            output.WriteLine(host.Output);

            Assert.True(code == 0, $"exit {code}{host.Describe()}");
            string transcript = host.Output;
            // The kernel found what the launcher gave it...
            Assert.Contains("Linux version 3.10.108", transcript, StringComparison.Ordinal);
            Assert.Matches(@"Unpacking initramfs|Trying to unpack rootfs image as initramfs", transcript);
            // ...and ran our /init as pid 1, which looked around,
            Assert.Contains("init: user space is running as pid 1", transcript, StringComparison.Ordinal);
            Assert.Contains("init: mounted devtmpfs on /dev", transcript, StringComparison.Ordinal);
            Assert.Contains("init: mounted proc on /proc", transcript, StringComparison.Ordinal);
            Assert.Contains("init: uname: Linux (none) 3.10.108", transcript, StringComparison.Ordinal);
            Assert.Matches(@"init: --- /proc/cpuinfo ---\r?\nprocessor\s*: 0", transcript);
            Assert.Matches(@"vendor_id\s*: LguestActors", transcript);
            Assert.Matches(@"init: --- /proc/interrupts ---\r?\n\s+CPU0", transcript);
            // forked a child that exec'd the second program and reaped it,
            var child = ForkedChild().Match(transcript);
            Assert.True(child.Success, "init did not fork /bin/hello");
            Assert.Contains($"hello: I am pid {child.Groups[1].Value}, child of 1, with 5 argument(s): from a child of init", transcript, StringComparison.Ordinal);
            Assert.Contains($"init: /bin/hello (pid {child.Groups[1].Value}) exited with status 0", transcript, StringComparison.Ordinal);
            // wrote the pattern through the block layer and read it back from the device,
            Assert.Contains("init: disk: wrote 256 sectors from 2048 seed 7 to /dev/vda", transcript, StringComparison.Ordinal);
            Assert.Contains("init: disk: verified 256 sectors from 2048 seed 7 on /dev/vda: all match", transcript, StringComparison.Ordinal);
            // and gave the console to the shell, which ran what was typed.
            Assert.Matches(@"hello: I am pid \d+, child of \d+, with 5 argument\(s\): typed at the shell exit=3", transcript);
            Assert.Contains("hello: forked child: the x87 says 355000/113 = 3142", transcript, StringComparison.Ordinal);
            Assert.Matches(@"hello: forked child \d+ exited with status 0", transcript);
            Assert.Matches(@"\r?\nvda#\r?\n", transcript);
            Assert.Matches(@"\r?\nhvc0%\r?\n", transcript);
            AssertDiskHolds(disk, seed: 7, start: 2048, count: 256);
        }
        catch
        {
            output.WriteLine(host.Describe());
            throw;
        }
    }

    [LinuxFact]
    public async Task A_block_workload_in_Linux_loses_nothing_while_the_block_device_keeps_crashing()
    {
        string disk = NewDisk();
        string dll = HostWithConfig("""
            # Every other block request crashes the device at a random point of its path, a few
            # are Killed before a kick, and a few kicks and IRQs are lost (the watchdog finds them);
            # the kernel's virtio-blk driver must never see any of it. Restarts are logged at DEBUG.
            akka.loglevel = DEBUG
            akka.actor.debug.lifecycle = on
            lguest.devices.supervision { max-restarts = 100000, within = 1m, watchdog-interval = 20ms, watchdog-timeout = 5s }
            lguest.faults {
              seed = 14
              devices = [blk0]
              crash { every-n-requests = 2, points = [all] }
              kill-probability = 0.02
              kicks { drop = 0.02 }
              irqs { drop = 0.02 }
            }
            """);
        using var host = HostProcess.Start(dll, "64", LinuxGuest.Kernel, $"--initrd={LinuxGuest.Initramfs}", $"--block={disk}",
            "--", "console=hvc0", "init.disk=11,100,8192", "init.then=poweroff");
        try
        {
            int code = await host.WaitForExitAsync(BootTimeout + StepTimeout);
            output.WriteLine(host.Output);

            Assert.True(code == 0, $"exit {code}{host.Describe()}");
            Assert.Contains("init: disk: verified 8192 sectors from 100 seed 11 on /dev/vda: all match", host.Output, StringComparison.Ordinal);
            Assert.Contains("init: disk: PASS", host.Output, StringComparison.Ordinal);
            Assert.DoesNotMatch(@"(?i)I/O error|Buffer I/O|blk_update_request", host.Output);
            int restarts = Regex.Matches(host.Errors, @"/blk0\] Restarted").Count;
            output.WriteLine($"blk0 restarts: {restarts}");
            Assert.True(restarts >= 20, $"only {restarts} block-device restarts were injected{host.Describe()}");
            AssertDiskHolds(disk, seed: 11, start: 100, count: 8192);
        }
        catch
        {
            output.WriteLine(host.Describe());
            throw;
        }
    }

    [LinuxFact]
    public async Task On_the_simulation_engine_one_seed_is_one_Linux_boot_the_same_transcript_and_digest_twice()
    {
        string[] args = ["--simulate=5", "64", LinuxGuest.Kernel, $"--initrd={LinuxGuest.Initramfs}", "--", "console=hvc0", "init.then=poweroff"];
        var runs = new List<(int Code, string Out, string Digest)>();
        for (int i = 0; i < 2; i++)
        {
            using var host = HostProcess.Start(null, args);
            int code = await host.WaitForExitAsync(BootTimeout);
            var digest = Regex.Match(host.Errors, @"simulation seed 5: digest ([0-9a-f]+)");
            Assert.True(code == 0 && digest.Success, $"exit {code}{host.Describe()}");
            runs.Add((code, host.Output, digest.Groups[1].Value));
        }

        Assert.Contains("init: /bin/hello (pid 19) exited with status 0", runs[0].Out, StringComparison.Ordinal);
        Assert.Contains("reboot: Power down", runs[0].Out, StringComparison.Ordinal);
        Assert.Equal(runs[0], runs[1]);
    }

    /// <summary>The pattern (guest/runtime/pattern.h) in [start, start+count) and zeros everywhere else.</summary>
    private static void AssertDiskHolds(string disk, uint seed, uint start, uint count)
    {
        byte[] bytes = File.ReadAllBytes(disk);
        var expected = new byte[512];
        for (uint s = 0; s < DiskSectors; s++)
        {
            if (s >= start && s < start + count)
            {
                BlockWriteVerifyWorkload.Pattern(seed, s, expected);
            }
            else
            {
                Array.Clear(expected);
            }
            Assert.True(bytes.AsSpan((int)s * 512, 512).SequenceEqual(expected), $"sector {s} of the disk is not what the guest wrote");
        }
    }

    /// <summary>A copy of the built host with <paramref name="overrides"/> appended to the akka.hocon beside it.</summary>
    private string HostWithConfig(string overrides)
    {
        string source = Path.GetDirectoryName(ExecutableTests.HostDll())!;
        string copy = Path.Combine(_dir.FullName, "host");
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.AppendAllText(Path.Combine(copy, "akka.hocon"), Environment.NewLine + overrides + Environment.NewLine);
        return Path.Combine(copy, "lguest-actors.dll");
    }

    [GeneratedRegex(@"init: forked pid (\d+) to run /bin/hello")]
    private static partial Regex ForkedChild();
}
