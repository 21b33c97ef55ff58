// placeholder until merge: the boot engineer's BootParams replaces this file.
using LguestActors.Cpu.Memory;

namespace LguestActors.Actors.Launcher.Boot;

/// <summary>placeholder until merge: writes only the command line, at 4096.</summary>
public static class BootParams
{
    public static void Write(GuestMemory memory, ulong memSize, string commandLine)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _ = memSize;
        var bytes = System.Text.Encoding.ASCII.GetBytes(commandLine + "\0");
        memory.Write(4096, bytes);
    }
}
