using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Host.Vmm;

namespace LguestActors.Host.Tests.Hosting;

// --block=FILE[,ro] through the whole host in-process: a file that cannot be a disk is one line and exit 1, before any VM.
public sealed class BlockOptionHostTests : IDisposable
{
    private readonly HostHarness _host = new();
    private readonly LauncherLog _launcher = new();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lguest-blk-");

    public void Dispose()
    {
        _host.Dispose();
        _dir.Delete(recursive: true);
    }

    private VmPropsFactory Reporting() =>
        (config, listener) => ScriptedLauncher.Props(config, listener, GuestExitKind.PowerOff, "", _launcher);

    private string Disk(int bytes)
    {
        string path = Path.Combine(_dir.FullName, $"disk-{bytes}.img");
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    [Fact]
    public async Task The_launcher_gets_one_block_device_per_option_in_order_read_only_when_asked()
    {
        string rw = Disk(8192), ro = Disk(4096);

        Assert.Equal(0, await _host.RunAsync(Reporting(), "16", _host.KernelPath, $"--block={rw}", $"--block={ro},ro"));

        VmConfig config = await _launcher.Started.Task;
        var blocks = config.Devices.OfType<BlockDeviceConfig>().ToList();
        Assert.Equal(2, blocks.Count);
        Assert.Equal((8192L, false), (blocks[0].Backend.Length, blocks[0].Backend.ReadOnly));
        Assert.Equal((4096L, true), (blocks[1].Backend.Length, blocks[1].Backend.ReadOnly));
        Assert.Equal("device-io-dispatcher", blocks[0].Options!.IoDispatcher);
        Assert.IsType<ConsoleConfig>(config.Devices[0]);
    }

    [Fact]
    public async Task A_missing_block_file_exits_1_with_one_line()
    {
        string missing = Path.Combine(_dir.FullName, "nope.img");

        Assert.Equal(1, await _host.RunAsync(Reporting(), "16", _host.KernelPath, $"--block={missing}"));

        Assert.Equal([$"lguest-actors: block device '{missing}' not found"], _host.ErrorLines);
        Assert.False(_launcher.Started.Task.IsCompleted);
    }

    [Fact]
    public async Task A_block_file_that_is_not_whole_sectors_exits_1_with_one_line()
    {
        string ragged = Disk(1000);

        Assert.Equal(1, await _host.RunAsync(Reporting(), "16", _host.KernelPath, $"--block={ragged},ro"));

        Assert.Equal([$"lguest-actors: block device '{ragged}' is 1000 bytes, not a whole number of 512-byte sectors"], _host.ErrorLines);
        Assert.False(_launcher.Started.Task.IsCompleted);
    }

    [Fact]
    public async Task A_directory_as_block_device_exits_1_with_one_line()
    {
        Assert.Equal(1, await _host.RunAsync(Reporting(), "16", _host.KernelPath, $"--block={_dir.FullName}"));

        Assert.Equal([$"lguest-actors: block device '{_dir.FullName}' is a directory, not a file"], _host.ErrorLines);
    }

    [Fact]
    public async Task Block_without_a_file_is_a_usage_error()
    {
        Assert.Equal(2, await _host.RunAsync(Reporting(), "16", "--block"));

        Assert.Equal(["lguest-actors: option --block needs a file: --block=FILE or --block=FILE,ro (try 'lguest-actors --help')"], _host.ErrorLines);
    }

    [Fact]
    public async Task One_image_given_twice_read_write_is_one_line_and_exit_1()
    {
        string disk = Disk(8192);

        Assert.Equal(1, await _host.RunAsync(Reporting(), "16", _host.KernelPath, $"--block={disk}", $"--block={disk}"));

        Assert.Equal([$"lguest-actors: block device '{disk}' is in use (by another lguest-actors, or an earlier --block of this one); one writer at a time"], _host.ErrorLines);
        Assert.False(_launcher.Started.Task.IsCompleted, "a VM was started");
    }

    [Fact]
    public void A_read_write_image_is_locked_against_every_other_opener_and_read_only_ones_share()
    {
        string disk = Disk(4096);
        using (FileBlockBackend.Open(disk, readOnly: false))
        {
            Assert.Contains("is in use", Assert.Throws<BlockBackendException>(() => FileBlockBackend.Open(disk, readOnly: false)).Message, StringComparison.Ordinal);
            Assert.Contains("is in use read-write", Assert.Throws<BlockBackendException>(() => FileBlockBackend.Open(disk, readOnly: true)).Message, StringComparison.Ordinal);
        }
        using (FileBlockBackend.Open(disk, readOnly: true))
        using (FileBlockBackend.Open(disk, readOnly: true))
        {
            Assert.Contains("is in use", Assert.Throws<BlockBackendException>(() => FileBlockBackend.Open(disk, readOnly: false)).Message, StringComparison.Ordinal);
        }
        using (FileBlockBackend.Open(disk, readOnly: false))
        {
            // closed readers leave no lock behind
        }
    }

    [NotAsRootFact]
    public async Task An_image_this_process_cannot_write_is_refused_without_ro_with_a_line_that_says_add_ro()
    {
        string disk = Disk(4096);
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        File.SetUnixFileMode(disk, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        Assert.Equal(1, await _host.RunAsync(Reporting(), "16", _host.KernelPath, $"--block={disk}"));

        string line = Assert.Single(_host.ErrorLines);
        Assert.StartsWith($"lguest-actors: block device '{disk}' cannot be opened for writing (", line, StringComparison.Ordinal);
        Assert.EndsWith("); add ,ro to give it to the guest read-only", line, StringComparison.Ordinal);
    }
}
