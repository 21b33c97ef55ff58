// placeholder until merge: the boot engineer's InitialPageTables replaces this file.
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher.Boot;

/// <summary>placeholder until merge: 4 MiB PSE entries at identity and at 0xC0000000.</summary>
public static class InitialPageTables
{
    public static void Build(GuestMemory memory, uint pgdirAddress, ulong mapBytes)
    {
        ArgumentNullException.ThrowIfNull(memory);
        const uint large = 4u << 20;
        for (ulong at = 0; at < mapBytes; at += large)
        {
            uint entry = (uint)at | 0x83; // present, writable, 4 MiB
            memory.WriteU32(pgdirAddress + (uint)(at / large * 4), entry);
            memory.WriteU32(pgdirAddress + (uint)((0xC0000000u + at) / large * 4), entry);
        }
    }
}
