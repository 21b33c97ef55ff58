using System.Runtime.CompilerServices;
using LguestActors.Cpu;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Vcpu;

/// <summary>
/// The first vCPU of a process pays for things every later one finds done: Iced's decoder tables
/// (built on the first <c>Decoder.Create</c>, ~12 ms), the interpreter's own first calls, the
/// telemetry instruments. The host runs this on its idle core while the actor system starts
/// (docs/PERFORMANCE.md, start-up), so the first guest does not pay them on the way to its first
/// console byte. A throwaway CPU on two pages of its own memory runs <c>nop; hlt</c> and is
/// dropped; nothing it touches is shared with a guest.
/// </summary>
public static class VcpuWarmup
{
    private static readonly byte[] NopHlt = [0x90, 0xF4];

    /// <returns>How the throwaway CPU stopped: at the HLT, after both instructions.</returns>
    public static RunExit Run(CpuEngine engine)
    {
        RuntimeHelpers.RunClassConstructor(typeof(Telemetry.LguestTelemetry).TypeHandle);
        using var memory = new GuestMemory(2 * GuestMemory.PageSize);
        memory.Write(0, NopHlt);
        var cpu = new InterpreterCpu(memory, engine) { Eip = 0, Eflags = 0x2 };
        return cpu.Run(NopHlt.Length);
    }
}
