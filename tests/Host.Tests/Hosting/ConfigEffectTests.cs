using LguestActors.Actors.Launcher;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu.Loader;
using LguestActors.Host.Configuration;
using LguestActors.Host.Vmm;
using LguestActors.Testing;

namespace LguestActors.Host.Tests.Hosting;

// The lguest section of config/akka.hocon as the machine shows it: each key's effect, not that it parses.
public sealed class ConfigEffectTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly HostHarness _host = new();
    private ScriptedCpu? _cpu;

    public void Dispose() => _host.Dispose();

    /// <summary>config/akka.hocon with <paramref name="overrides"/> on top, where the host looks first.</summary>
    private void WriteConfig(string overrides)
    {
        string shipped = File.ReadAllText(RepositoryFiles.Find([AppContext.BaseDirectory], AkkaConfigFile.RepositoryPath)!);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_host.KernelPath)!, AkkaConfigFile.FileName), shipped + "\n" + overrides + "\n");
    }

    /// <summary>The real launcher, a scripted vCPU (it halts at once) and no ELF to load.</summary>
    private VmPropsFactory RealLauncher() => (config, listener) => GuestSupervisor.Props(config, listener, new GuestSupervisorOptions(
        VcpuOptions.Default with { CpuFactory = memory => _cpu = new ScriptedCpu(memory) },
        (_, _, _) => new Elf32Image(0x100000, 0x100000, 0x101000)));

    private const ulong RamSize = 16UL << 20;

    /// <summary>Boots a 16 MiB VM through the whole host, waits for its first slice, stops it with SIGTERM.</summary>
    /// <remarks><paramref name="whileRunning"/> sees the VM before it stops: its memory is unmapped when it has stopped.</remarks>
    private async Task<ScriptedCpu> BootAndStopAsync(Action<ScriptedCpu>? whileRunning = null)
    {
        Task<int> run = _host.RunAsync(RealLauncher(), "16", _host.KernelPath);
        await AwaitAsync(() => _cpu is not null && _cpu.FirstRun.IsCompleted, run);
        whileRunning?.Invoke(_cpu!);
        _host.Signals.Raise(StopSignal.Terminate);
        int code = await run.WaitAsync(Timeout);
        Assert.True(code == 143, $"exit {code}: {_host.Error}");
        return _cpu!;
    }

    private static async Task AwaitAsync(Func<bool> condition, Task<int> run)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.False(run.IsCompleted, "the host ended before the guest ran");
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the guest");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Slice_instructions_is_the_budget_of_every_vCPU_slice()
    {
        WriteConfig("lguest.vcpu.slice-instructions = 777");

        var cpu = await BootAndStopAsync();

        Assert.Equal(777, cpu.LastBudget);
    }

    [Fact]
    public async Task The_vCPU_runs_on_the_dispatcher_the_config_names()
    {
        WriteConfig("lguest.vcpu.dispatcher = vcpu-dispatcher");

        var cpu = await BootAndStopAsync();

        // vcpu-dispatcher is a PinnedDispatcher: a thread of its own, not one of the pool's.
        Assert.False(cpu.RanOnPoolThread, $"the vCPU ran on pool thread '{cpu.RunThreadName}'");
        Assert.Contains("vcpu-dispatcher", cpu.RunThreadName ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ring_size_is_what_every_queue_shows_in_the_device_page()
    {
        WriteConfig("lguest.virtio.ring-size = 64");

        IReadOnlyList<DeviceDescriptor> devices = [];
        await BootAndStopAsync(cpu => devices = DevicePage.Read(cpu.Memory, RamSize)); // the device page sits just above RAM

        Assert.NotEmpty(devices);
        Assert.All(devices.SelectMany(d => d.Queues), q => Assert.Equal(64, q.Num));
    }
}
