using LguestActors.Actors.Vcpu;
using LguestActors.Cpu;
using Xunit;

namespace LguestActors.Actors.Tests;

public sealed class VcpuWarmupTests
{
    [Theory]
    [InlineData(CpuEngine.Interpreter)]
    [InlineData(CpuEngine.Compiled)]
    public void The_warm_up_runs_its_nop_and_stops_at_the_hlt_on_either_engine(CpuEngine engine)
    {
        RunExit exit = VcpuWarmup.Run(engine);

        Assert.Equal(ExitReason.Halt, exit.Reason);
        Assert.Equal(2, exit.Executed);
    }
}
