using LguestActors.Actors.Launcher;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
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

    /// <summary>The machine settings of the last VM the host asked the launcher for.</summary>
    private MachineSettings? _machine;

    /// <summary>The real launcher, a scripted vCPU (it halts at once) and no ELF to load.</summary>
    private VmPropsFactory RealLauncher() => (config, listener) =>
    {
        _machine = config.Machine;
        return GuestSupervisor.Props(config, listener, new GuestSupervisorOptions(
            VcpuOptions.Default with { CpuFactory = memory => _cpu = new ScriptedCpu(memory) },
            (_, _, _) => new Elf32Image(0x100000, 0x100000, 0x101000)));
    };

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
    public async Task Akka_loglevel_INFO_brings_the_info_lines_to_stderr()
    {
        WriteConfig("akka.loglevel = INFO");

        await BootAndStopAsync();

        Assert.Contains(_host.ErrorLines, l => l.StartsWith("lguest-actors: info: VmmRoot: ", StringComparison.Ordinal)
            && l.EndsWith("VM guest started (16 MiB)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task At_the_shipped_loglevel_WARNING_no_info_line_reaches_stderr()
    {
        WriteConfig("");

        await BootAndStopAsync();

        Assert.DoesNotContain(_host.ErrorLines, l => l.StartsWith("lguest-actors: info: ", StringComparison.Ordinal));
        Assert.Equal("lguest-actors: stopped by SIGTERM", _host.ErrorLines[^1]);
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

    /// <summary>Boots the first VM with <paramref name="fleet"/> copies, waits for every vCPU's first slice, stops them with SIGTERM.</summary>
    private async Task<IReadOnlyList<ScriptedCpu>> BootFleetAndStopAsync(int fleet)
    {
        var cpus = new System.Collections.Concurrent.ConcurrentBag<ScriptedCpu>();
        VmPropsFactory launcher = (config, listener) => GuestSupervisor.Props(config, listener, new GuestSupervisorOptions(
            VcpuOptions.Default with { CpuFactory = memory => { var cpu = new ScriptedCpu(memory); cpus.Add(cpu); return cpu; } },
            (_, _, _) => new Elf32Image(0x100000, 0x100000, 0x101000)));
        Task<int> run = _host.RunAsync(launcher, "16", _host.KernelPath, $"--fleet={fleet}");
        await AwaitAsync(() => cpus.Count == fleet && cpus.All(c => c.FirstRun.IsCompleted), run);
        _host.Signals.Raise(StopSignal.Terminate);
        int code = await run.WaitAsync(Timeout);
        Assert.True(code == 143, $"exit {code}: {_host.Error}");
        return cpus.ToList();
    }

    [Fact]
    public async Task Up_to_pinned_up_to_VMs_each_vCPU_has_a_thread_of_its_own()
    {
        WriteConfig("lguest.vcpu.pinned-up-to = 3");

        var cpus = await BootFleetAndStopAsync(3);

        Assert.All(cpus, c => Assert.Contains("vcpu-dispatcher", c.RunThreadName ?? "", StringComparison.Ordinal));
        Assert.Equal(3, cpus.Select(c => c.RunThreadId).Distinct().Count());
    }

    [Fact]
    public async Task Past_pinned_up_to_VMs_every_vCPU_runs_on_the_fleet_dispatchers_shared_threads()
    {
        // A pool of one thread: four VMs' vCPUs can only all have run if they share it.
        WriteConfig("""
            lguest.vcpu.pinned-up-to = 3
            vcpu-pool-dispatcher.fork-join-executor { parallelism-min = 1, parallelism-max = 1 }
            """);

        var cpus = await BootFleetAndStopAsync(4);

        Assert.Equal(4, cpus.Count);
        Assert.All(cpus, c => Assert.False(c.RanOnPoolThread, $"a vCPU ran on .NET pool thread '{c.RunThreadName}'"));
        Assert.All(cpus, c => Assert.Contains("vcpu-pool-dispatcher", c.RunThreadName ?? "", StringComparison.Ordinal));
        Assert.Single(cpus.Select(c => c.RunThreadId).Distinct());
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

    [Theory]
    [InlineData("", CpuEngine.Compiled)]
    [InlineData("lguest.vcpu.engine = interpreter", CpuEngine.Interpreter)]
    [InlineData("lguest.vcpu.engine = compiled", CpuEngine.Compiled)]
    public async Task Engine_is_the_engine_every_VM_is_built_with(string overrides, CpuEngine expected)
    {
        WriteConfig(overrides);

        await BootAndStopAsync();

        Assert.Equal(expected, _machine!.Engine);
    }

    [Theory]
    [InlineData("--engine=interpreter", CpuEngine.Interpreter)]
    [InlineData("--engine=compiled", CpuEngine.Compiled)]
    public async Task The_engine_option_overrides_the_config(string option, CpuEngine expected)
    {
        WriteConfig($"lguest.vcpu.engine = {(expected == CpuEngine.Compiled ? "interpreter" : "compiled")}");

        Task<int> run = _host.RunAsync(RealLauncher(), option, "16", _host.KernelPath);
        await AwaitAsync(() => _cpu is not null && _cpu.FirstRun.IsCompleted, run);
        _host.Signals.Raise(StopSignal.Terminate);
        await run.WaitAsync(Timeout);

        Assert.Equal(expected, _machine!.Engine);
    }

    [Fact]
    public async Task A_bad_engine_is_one_line_naming_the_key_before_anything_starts()
    {
        WriteConfig("lguest.vcpu.engine = jit");

        int code = await _host.RunAsync(RealLauncher(), "16", _host.KernelPath).WaitAsync(Timeout);

        Assert.Equal(1, code);
        Assert.Null(_machine);
        string line = Assert.Single(_host.ErrorLines);
        Assert.Contains("lguest.vcpu.engine", line, StringComparison.Ordinal);
        Assert.Contains("\"compiled\" or \"interpreter\"", line, StringComparison.Ordinal);
    }
}
