using LguestActors.Host.Cli;

namespace LguestActors.Host.Tests.Cli;

public sealed class KernelFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-kernel-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void A_named_kernel_is_read_whole()
    {
        string path = Path.Combine(_dir.FullName, "vmlinux");
        File.WriteAllBytes(path, [0x7F, (byte)'E', (byte)'L', (byte)'F']);

        (byte[] image, string found, string? error) = KernelFile.Read(path, [_dir.FullName]);

        Assert.Null(error);
        Assert.Equal(path, found);
        Assert.Equal(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }, image);
    }

    [Fact]
    public void A_missing_kernel_is_one_line_naming_it()
    {
        string path = Path.Combine(_dir.FullName, "no-such-vmlinux");

        (_, _, string? error) = KernelFile.Read(path, [_dir.FullName]);

        Assert.Equal($"kernel '{path}' not found", error);
    }

    [Fact]
    public void A_directory_is_not_a_kernel()
    {
        (_, _, string? error) = KernelFile.Read(_dir.FullName, [_dir.FullName]);

        Assert.Equal($"kernel '{_dir.FullName}' is a directory, not a kernel image", error);
    }

    [Fact]
    public void An_empty_kernel_is_refused()
    {
        string path = Path.Combine(_dir.FullName, "empty");
        File.WriteAllBytes(path, []);

        (_, _, string? error) = KernelFile.Read(path, [_dir.FullName]);

        Assert.Equal($"kernel '{path}' is empty or not a regular file (a device or a pipe); give an i386 ELF kernel image", error);
    }

    [Fact]
    public void An_unreadable_kernel_is_one_line_with_the_reason()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            return; // root reads any file; the permission cannot be taken away here
        }
        string path = Path.Combine(_dir.FullName, "secret");
        File.WriteAllBytes(path, [1]);
        File.SetUnixFileMode(path, UnixFileMode.None);

        (_, _, string? error) = KernelFile.Read(path, [_dir.FullName]);

        Assert.NotNull(error);
        Assert.StartsWith($"cannot read kernel '{path}': ", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void With_no_kernel_the_sample_guest_beside_the_program_is_used()
    {
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "guest", "prebuilt"));
        string sample = Path.Combine(_dir.FullName, "guest", "prebuilt", "kernel.elf");
        File.WriteAllBytes(sample, [42]);

        (byte[] image, string found, string? error) = KernelFile.Read(null, [_dir.FullName]);

        Assert.Null(error);
        Assert.Equal(sample, found);
        Assert.Equal(new byte[] { 42 }, image);
    }

    [Fact]
    public void With_no_kernel_the_sample_guest_is_found_in_the_source_tree()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "LguestActors.sln"), "");
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "guest", "prebuilt"));
        File.WriteAllBytes(Path.Combine(_dir.FullName, "guest", "prebuilt", "kernel.elf"), [7]);
        string deep = Directory.CreateDirectory(Path.Combine(_dir.FullName, "src", "Host", "bin", "Debug")).FullName;

        (byte[] image, _, string? error) = KernelFile.Read(null, [deep]);

        Assert.Null(error);
        Assert.Equal(new byte[] { 7 }, image);
    }

    [Fact]
    public void With_no_kernel_and_no_sample_guest_the_error_says_how_to_get_one()
    {
        (_, _, string? error) = KernelFile.Read(null, [_dir.FullName]);

        Assert.Equal(
            "no kernel given and the sample guest guest/prebuilt/kernel.elf is not built (run 'make -C guest', or name a kernel: lguest-actors 64 kernel.elf)",
            error);
    }
}
