using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Host.Vmm;

namespace LguestActors.Host.Tests.Hosting;

// --initrd=FILE through the whole host in-process: the file's bytes reach the first VM's config;
// a file that cannot be used is one line and exit 1, before any VM.
public sealed class InitrdOptionHostTests : IDisposable
{
    private readonly HostHarness _host = new();
    private readonly LauncherLog _launcher = new();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-initrd-");

    public void Dispose()
    {
        _host.Dispose();
        _dir.Delete(recursive: true);
    }

    private VmPropsFactory Reporting() =>
        (config, listener) => ScriptedLauncher.Props(config, listener, GuestExitKind.PowerOff, "", _launcher);

    [Fact]
    public async Task The_initrd_files_bytes_go_to_the_first_VM()
    {
        string path = Path.Combine(_dir.FullName, "initrd.cpio");
        byte[] bytes = "070701 not really a cpio"u8.ToArray();
        File.WriteAllBytes(path, bytes);

        Assert.Equal(0, await _host.RunAsync(Reporting(), "16", _host.KernelPath, $"--initrd={path}"));

        VmConfig config = await _launcher.Started.Task;
        Assert.Equal(bytes, config.Initrd.ToArray());
    }

    [Fact]
    public async Task Without_the_option_the_VM_has_no_initrd()
    {
        Assert.Equal(0, await _host.RunAsync(Reporting(), "16", _host.KernelPath));

        Assert.True((await _launcher.Started.Task).Initrd.IsEmpty);
    }

    [Theory]
    [InlineData("missing", "initrd '{0}' not found")]
    [InlineData("empty", "initrd '{0}' is empty or not a regular file (a device or a pipe); give an initramfs (a cpio archive, compressed or not)")]
    [InlineData("directory", "initrd '{0}' is a directory, not an initrd image")]
    public async Task An_initrd_that_cannot_be_used_exits_1_with_one_line(string kind, string message)
    {
        string path = Path.Combine(_dir.FullName, kind);
        if (kind == "empty")
        {
            File.WriteAllBytes(path, []);
        }
        else if (kind == "directory")
        {
            Directory.CreateDirectory(path);
        }

        Assert.Equal(1, await _host.RunAsync(Reporting(), "16", _host.KernelPath, $"--initrd={path}"));

        Assert.Equal([$"lguest-actors: {string.Format(System.Globalization.CultureInfo.InvariantCulture, message, path)}"], _host.ErrorLines);
        Assert.False(_launcher.Started.Task.IsCompleted);
    }
}
