using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Compile;

/// <summary>
/// A VM's MachineSettings.Engine (lguest.vcpu.engine, --engine) is the engine its real vCPU runs
/// on: after a second of guest work (the shell's spin) the compiled engine has compiled regions,
/// the interpreter none.
/// </summary>
public sealed class EngineSelectionTests(Xunit.Abstractions.ITestOutputHelper output) : TestKit
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output = output;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(CpuEngine.Interpreter)]
    [InlineData(CpuEngine.Compiled)]
    public async Task The_vCPU_runs_on_the_engine_the_VM_config_names(CpuEngine engine)
    {
        var console = new InMemoryConsoleBackend();
        var config = new VmConfig("engine", 32UL << 20, File.ReadAllBytes(Path.Combine(RepoPaths.Root, "guest", "prebuilt", "kernel.elf")), "", [new ConsoleConfig(console)])
        {
            Machine = MachineSettings.Default with { Engine = engine },
        };
        var vm = VmLauncher.Launch(Sys, config);

        await console.WaitForOutputAsync("lguest> ", Timeout);
        console.Type("spin 1\r");
        await console.WaitForOutputAsync("clock events); host clock", Timeout);
        var vcpu = await Sys.ActorSelection("/user/vm-engine/vcpu").ResolveOne(Timeout);
        var status = await vcpu.Ask<VcpuStatus>(GetVcpuStatus.Instance, Timeout);

        _output.WriteLine($"{engine}: {status.Compiled}");
        Assert.Equal(engine, status.Engine);
        Assert.NotNull(status.Compiled);
        Assert.Equal(0, status.Compiled!.Failures);
        if (engine == CpuEngine.Compiled)
        {
            Assert.True(status.Compiled.Regions > 0 && status.Compiled.BlocksCompiled > 0, $"nothing was compiled: {status.Compiled}");
        }
        else
        {
            Assert.Equal(CompiledCodeStats.None, status.Compiled);
        }
        console.Type("poweroff\r");
        await vm.Exited.WaitAsync(Timeout);
    }
}
