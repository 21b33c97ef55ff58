using Akka.Actor;
using Akka.TestKit.Xunit2;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Compile;

/// <summary>A VM's MachineSettings.Engine (lguest.vcpu.engine) is the engine its real vCPU runs on.</summary>
public sealed class EngineSelectionTests : TestKit
{
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
        var vcpu = await Sys.ActorSelection("/user/vm-engine/vcpu").ResolveOne(Timeout);
        var status = await vcpu.Ask<VcpuStatus>(GetVcpuStatus.Instance, Timeout);

        Assert.Equal(engine, status.Engine);
        Assert.NotNull(status.Compiled);
        Assert.Equal(0, status.Compiled!.Failures);
        console.Type("poweroff\r");
        await vm.Exited.WaitAsync(Timeout);
    }
}
