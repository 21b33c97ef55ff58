using LguestActors.Actors.Devices.Block;
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
}
