using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Iced.Intel;
using LguestActors.Actors.Devices.Console;
using LguestActors.Actors.Devices.Virtio;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Loader;
using LguestActors.Testing;
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
    public async Task A_guest_that_reuses_its_early_console_buffer_at_once_prints_each_string_as_it_was_at_the_NOTIFY()
    {
        // Linux's early console copies each piece of text into one stack buffer, notifies it and
        // overwrites it straight away: the launcher must read it before the guest runs on.
        const int Rounds = 200;
        var backend = new InMemoryConsoleBackend();
        var (_, exits) = Boot(backend, a =>
        {
            var loop = a.CreateLabel();
            a.mov(edi, Rounds);
            a.Label(ref loop);
            a.mov(__dword_ptr[Data], 0x000A6261);   // "ab\n\0"
            a.mov(eax, Hypercalls.Notify);
            a.mov(ebx, Data);
            a.@int(Hypercalls.TrapEntryVector);
            a.mov(__dword_ptr[Data], 0x000A5958);   // "XY\n\0" into the same buffer at once
            a.mov(eax, Hypercalls.Notify);
            a.@int(Hypercalls.TrapEntryVector);
            a.dec(edi);
            a.jnz(loop);
            a.mov(eax, Hypercalls.Shutdown);
            a.mov(ebx, Data + 8);      // "bye\0"
            a.mov(ecx, Hypercalls.ShutdownPowerOff);
            a.@int(Hypercalls.TrapEntryVector);
            a.hlt();
        }, "\0\0\0\0\0\0\0\0bye\0"u8.ToArray());

        Assert.Equal(GuestExitKind.PowerOff, (await exits.ExpectMsgAsync<VmExited>(Timeout)).Kind);
        Assert.Equal(string.Concat(Enumerable.Repeat("ab\nXY\n", Rounds)), backend.Output);
    }

    [Fact]
    public async Task A_reset_NOTIFY_followed_at_once_by_ACKNOWLEDGE_resets_and_the_real_start_gets_the_guests_features()
    {
        // Linux's virtio driver resets a device (status 0, NOTIFY) and writes ACKNOWLEDGE right
        // after: the launcher must see the 0, and start the device on the later NOTIFY with the
        // features written before it (here INDIRECT, which the chain below needs).
        const uint Mailbox = Data + 0x100; // go flag, descriptor, accepted-features address, features, tx ring
        var backend = new InMemoryConsoleBackend();
        var (vm, exits) = Boot(backend, a =>
        {
            var wait = a.CreateLabel();
            a.Label(ref wait);
            a.cmp(__dword_ptr[Mailbox], 0);
            a.je(wait);
            a.mov(ebx, __dword_ptr[Mailbox + 4]);
            a.mov(__byte_ptr[ebx + 4], 0);                    // reset
            a.mov(eax, Hypercalls.Notify);
            a.@int(Hypercalls.TrapEntryVector);
            a.mov(__byte_ptr[ebx + 4], VirtioStatus.Acknowledge); // at once
            var probe = a.CreateLabel();                      // then the driver's probing takes a while
            a.mov(ecx, 200_000);
            a.Label(ref probe);
            a.dec(ecx);
            a.jnz(probe);
            a.mov(__byte_ptr[ebx + 4], VirtioStatus.Acknowledge | VirtioStatus.Driver);
            a.mov(edx, __dword_ptr[Mailbox + 8]);
            a.mov(ecx, __dword_ptr[Mailbox + 12]);
            a.mov(__dword_ptr[edx], ecx);                     // accept the offered features
            a.mov(eax, Hypercalls.Notify);
            a.@int(Hypercalls.TrapEntryVector);               // start
            a.mov(ebx, __dword_ptr[Mailbox + 16]);
            a.mov(eax, Hypercalls.Notify);
            a.@int(Hypercalls.TrapEntryVector);               // kick the transmit queue
            var idle = a.CreateLabel();
            a.Label(ref idle);
            a.jmp(idle);
        }, new byte[0x200]);

        var info = await vm.Ask<VmInfo>(GetVmInfo.Instance, Timeout);
        var console = info.DevicePage.Devices[0];
        var tx = console.Queues[ConsoleDevice.TransmitQueue];
        var driver = new FakeVirtioDriver(info.Memory, tx.Num, tx.RingAddress, 0x200000, 0x210000);
        driver.PostIndirect(driver.Readable("through an indirect table\n"));
        info.Memory.WriteU32(Mailbox + 4, (uint)console.Address);
        info.Memory.WriteU32(Mailbox + 8, (uint)console.AcceptedFeaturesAddress);
        info.Memory.WriteU32(Mailbox + 12, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(console.OfferedFeatures.Span));
        info.Memory.WriteU32(Mailbox + 16, (uint)tx.RingAddress);
        info.Memory.WriteU32Release(Mailbox, 1);

        await backend.WaitForOutputAsync("through an indirect table\n", Timeout);
        Assert.Equal(0, info.Memory.ReadU8(console.StatusAddress) & VirtioStatus.Failed);
        Assert.False(exits.HasMessages);
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
