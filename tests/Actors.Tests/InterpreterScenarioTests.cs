using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Iced.Intel;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Loader;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Actors.Tests;

/// <summary>
/// Whole-machine scenarios with a tiny hand-assembled guest on the real interpreter. They need
/// the interpreter (src/Cpu) and fail until it is merged: filter with Category!=NeedsInterpreter.
/// </summary>
[Trait("Category", "NeedsInterpreter")]
public sealed class InterpreterScenarioTests : TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private const uint Entry = 0x100000;
    private const uint Data = 0x101000;

    /// <summary>Boots <paramref name="code"/> at <see cref="Entry"/> with <paramref name="data"/> at <see cref="Data"/>.</summary>
    private (Akka.Actor.IActorRef Vm, TestProbe Exits) Boot(InMemoryConsoleBackend backend, Action<Assembler> code, byte[] data)
    {
        var asm = new Assembler(32);
        code(asm);
        using var stream = new MemoryStream();
        asm.Assemble(new StreamCodeWriter(stream), Entry);
        var bytes = stream.ToArray();
        var options = GuestSupervisorOptions.Default with
        {
            LoadKernel = (memory, _, _) =>
            {
                memory.Write(Entry, bytes);
                memory.Write(Data, data);
                return new Elf32Image(Entry, Entry, Data + (uint)data.Length);
            },
        };
        var exits = CreateTestProbe();
        var config = new VmConfig("asm", 4 << 20, ReadOnlyMemory<byte>.Empty, "", [new ConsoleConfig(backend)]);
        return (Sys.ActorOf(GuestSupervisor.Props(config, exits.Ref, options)), exits);
    }

    [Fact]
    public async Task A_guest_prints_on_the_early_console_and_powers_off()
    {
        var backend = new InMemoryConsoleBackend();
        var (_, exits) = Boot(backend, a =>
        {
            a.mov(eax, Hypercalls.Notify);
            a.mov(ebx, Data);          // "hello\0": an address in RAM is early-console text
            a.@int(Hypercalls.TrapEntryVector);
            a.mov(eax, Hypercalls.Shutdown);
            a.mov(ebx, Data + 8);      // "bye\0"
            a.mov(ecx, Hypercalls.ShutdownPowerOff);
            a.@int(Hypercalls.TrapEntryVector);
            a.hlt();
        }, "hello\n\0\0bye\0"u8.ToArray());

        await backend.WaitForOutputAsync("hello\n", Timeout);
        Assert.Equal(new VmExited("asm", GuestExitKind.PowerOff, "bye"), await exits.ExpectMsgAsync<VmExited>(Timeout));
    }

    [Fact]
    public async Task A_guest_that_executes_an_undefined_instruction_stops_with_a_fault_diagnostic()
    {
        var backend = new InMemoryConsoleBackend();
        var (_, exits) = Boot(backend, a => a.ud2(), []);
        var exited = await exits.ExpectMsgAsync<VmExited>(Timeout);
        Assert.Equal(GuestExitKind.GuestFault, exited.Kind);
        Assert.Contains("0x00100000", exited.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ud2", exited.Reason, StringComparison.OrdinalIgnoreCase); // the interpreter's diagnostic, not a gap
    }
}
