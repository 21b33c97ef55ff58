using LguestActors.Cpu.Tests.Interpreter;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Compile;

/// <summary>Compiled code and lguest's rings: ring 3 never uses what only ring 1 may.</summary>
public sealed class CompiledPrivilegeTests
{
    private const uint Probe = 0x9000; // supervisor-only
    private const uint PfHandler = TestGuest.HandlerBase + 0x400;

    [Fact]
    public void A_process_faults_on_a_supervisor_page_the_kernel_just_read_in_compiled_code()
    {
        var g = CompiledGuest.Create(threshold: 0);
        g.MapFirstMegabyte(page => page == Probe ? 3u : 7u);
        g.InitLguestData();
        g.SetGate(14, PfHandler);
        g.Load(PfHandler, a =>
        {
            a.pop(esi);
            a.mov(edi, cr2);
            a.hlt();
        });
        g.Memory.WriteU32(Probe, 0x600DF00D);
        // The kernel (ring 1) reads the page in a compiled loop: its TLB holds the translation.
        g.LoadCode(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 50);
            a.Label(ref top);
            a.add(ebx, __dword_ptr[Probe]);
            a.loop(top);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(unchecked(50u * 0x600DF00D), g.Cpu.Ebx);
        long kernelRegions = g.Cpu.CompiledStats.Regions;

        // A process reads it in a compiled loop of its own: #PF, user, read, protection.
        g.Cpu.WakeFromHalt();
        g.StartInUserMode(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 50);
            a.Label(ref top);
            a.add(edx, __dword_ptr[Probe]);
            a.loop(top);
            a.mov(ebp, 0xBAD);
            a.hlt();
        });
        g.RunToHalt();

        Assert.Equal(0x5u, g.Cpu.Esi); // P | U/S, a read
        Assert.Equal(Probe, g.Cpu.Edi);
        Assert.Equal(0u, g.Cpu.Edx);
        Assert.NotEqual(0xBADu, g.Cpu.Ebp);
        Assert.True(g.Cpu.CompiledStats.Regions > kernelRegions, "the process's code was not compiled");
    }
}
