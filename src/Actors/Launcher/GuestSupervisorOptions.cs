using LguestActors.Actors.Vcpu;
using LguestActors.Cpu.Loader;
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher;

/// <summary>How the launcher builds a VM; the defaults are the real machine.</summary>
/// <param name="Vcpu">The vCPU's slice budget, clock and CPU factory.</param>
/// <param name="LoadKernel">Loads the kernel image into RAM: (memory, image, ramSize) → entry and extent.</param>
public sealed record GuestSupervisorOptions(VcpuOptions Vcpu, Func<GuestMemory, ReadOnlyMemory<byte>, ulong, Elf32Image> LoadKernel)
{
    public static GuestSupervisorOptions Default { get; } =
        new(VcpuOptions.Default, (memory, image, ramSize) => Elf32Loader.Load(memory, image.Span, ramSize));
}
