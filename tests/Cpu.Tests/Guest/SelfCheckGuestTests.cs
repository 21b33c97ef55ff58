using LguestActors.Testing;
using LguestActors.Cpu.Loader;
using Xunit.Abstractions;

namespace LguestActors.Cpu.Tests.Guest;

public sealed class SelfCheckGuestTests(ITestOutputHelper output)
{
    private static string Prebuilt(string name) => Path.Combine(RepoPaths.Root, "guest", "prebuilt", name);

    [Theory]
    [InlineData("O0")]
    [InlineData("O2")]
    [InlineData("Os")]
    public void The_selfcheck_guest_passes_every_check_and_powers_off(string opt)
    {
        var image = File.ReadAllBytes(Prebuilt($"selfcheck-{opt}.elf"));

        var result = StandaloneGuest.Run(image, new StandaloneOptions { InstructionLimit = 500_000_000 });

        output.WriteLine(result.ToString());
        Assert.True(result.Outcome == StandaloneOutcome.Shutdown, result.ToString());
        Assert.StartsWith("selfcheck: PASS", result.ShutdownReason, StringComparison.Ordinal);
        Assert.Equal(1u, result.ShutdownHow);
        Assert.Contains(result.ShutdownReason!, result.ConsoleText, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bench_guest_computes_the_native_checksum_for_one_round()
    {
        // 0xcf82c8ff is what guest/bench/bench.c computes for scale 1 built natively (x86-64, gcc -O2).
        var image = File.ReadAllBytes(Prebuilt("bench.elf"));

        var result = StandaloneGuest.Run(image, new StandaloneOptions { CommandLine = "scale=1", InstructionLimit = 2_000_000_000 });

        Assert.True(result.Outcome == StandaloneOutcome.Shutdown, result.ToString());
        Assert.Equal("bench: done", result.ShutdownReason);
        Assert.Contains("bench: scale 1 checksum 0xcf82c8ff", result.ConsoleText, StringComparison.Ordinal);
    }

    [Fact]
    public void The_prebuilt_images_are_exactly_what_the_guest_makefile_builds()
    {
        if (!Toolchain.Available(Toolchain.HasGcc32, "gcc -m32 (gcc-multilib)", output))
        {
            return;
        }

        // The committed images are only reproducible with the compiler that made them.
        string recorded = File.ReadAllLines(Prebuilt("TOOLCHAIN"))[0];
        string actual = Toolchain.Run("gcc", "--version").Stdout.Split('\n')[0];
        if (recorded != actual)
        {
            Assert.False(Toolchain.Required, $"prebuilt images were made by '{recorded}', this machine has '{actual}'");
            output.WriteLine($"SKIPPED: prebuilt images were made by '{recorded}', this machine has '{actual}'");
            return;
        }

        string build = Directory.CreateTempSubdirectory("lguest-guest-build-").FullName;
        try
        {
            var make = Toolchain.Run("make", $"-C guest BUILD={build} images", RepoPaths.Root);
            Assert.True(make.ExitCode == 0, $"make -C guest failed: {make}");

            // The ELF images and the Linux guest's initramfs (guest/linux, packed by mkcpio).
            string prebuilt = Path.Combine(RepoPaths.Root, "guest", "prebuilt");
            var images = Directory.GetFiles(prebuilt, "*.elf").Concat(Directory.GetFiles(prebuilt, "*.cpio")).ToList();
            Assert.Contains(images, p => p.EndsWith("initramfs.cpio", StringComparison.Ordinal));
            Assert.NotEmpty(images);
            var differing = images
                .Where(p => !File.ReadAllBytes(p).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(build, Path.GetFileName(p)))))
                .Select(Path.GetFileName)
                .ToList();
            Assert.True(differing.Count == 0, $"rebuilt images differ from guest/prebuilt: {string.Join(", ", differing)} (run `make -C guest` and commit)");
        }
        finally
        {
            Directory.Delete(build, recursive: true);
        }
    }

    [Fact]
    public void The_linux_user_space_passes_its_native_checks()
    {
        // guest/linux built for x86-64 from the same sources: the system-call numbers against the
        // host's kernel headers, the library's logic, and /bin/sh fed a script (guest/linux/tests).
        if (!Toolchain.Available(Toolchain.HasGcc32, "gcc -m32 (gcc-multilib)", output))
        {
            return;
        }

        string build = Directory.CreateTempSubdirectory("lguest-linux-check-").FullName;
        try
        {
            var run = Toolchain.Run("make", $"-C guest BUILD={build} linux-check", RepoPaths.Root);
            output.WriteLine(run.ToString());
            Assert.True(run.ExitCode == 0, $"make -C guest linux-check failed: {run}");
            Assert.Contains("linux-check: PASS", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("shell.sh: PASS", run.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(build, recursive: true);
        }
    }

    [Fact]
    public void The_selfcheck_expected_values_are_what_the_same_c_computes_natively()
    {
        if (!Toolchain.Available(Toolchain.HasGcc, "gcc", output))
        {
            return;
        }

        string build = Directory.CreateTempSubdirectory("lguest-guest-host-").FullName;
        try
        {
            var run = Toolchain.Run("make", $"-C guest BUILD={build} host-check", RepoPaths.Root);
            output.WriteLine(run.ToString());
            Assert.True(run.ExitCode == 0, $"native selfcheck failed: {run}");
            Assert.Contains("selfcheck: PASS", run.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(build, recursive: true);
        }
    }
}
