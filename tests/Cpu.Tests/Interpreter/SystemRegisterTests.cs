using Iced.Intel;
using LguestActors.Cpu.Lguest;
using static Iced.Intel.AssemblerRegisters;

namespace LguestActors.Cpu.Tests.Interpreter;

/// <summary>
/// Debug registers, VERR/VERW, segment loads in ring 3 and the GDT as lguest's host kept it
/// (DPL 0 raised to 1, host-owned entries left alone).
/// </summary>
public sealed class SystemRegisterTests
{
    // Linux's GDT entries 14 and 15: __USER_CS and __USER_DS, flat, DPL 3
    private const ulong UserCode = 0x00CFFB00_0000FFFF;
    private const ulong UserData = 0x00CFF300_0000FFFF;

    private static void LoadGdtEntry(TestGuest g, uint index, ulong descriptor) =>
        Assert.True(g.Cpu.TryServeLocalHypercall(new HypercallRequest(Hypercalls.LoadGdtEntry, index, (uint)descriptor, (uint)(descriptor >> 32), 0), out _));

    public static TheoryData<string, uint> DebugRegisterReads => new()
    {
        { "dr0", 0 }, { "dr3", 0 }, { "dr6", 0xFFFF0FF0 }, { "dr7", 0x400 }, { "dr4", 0xFFFF0FF0 }, { "dr5", 0x400 },
    };

    private static AssemblerRegisterDR Dr(string name) => name switch
    {
        "dr0" => dr0,
        "dr1" => dr1,
        "dr2" => dr2,
        "dr3" => dr3,
        "dr4" => dr4,
        "dr5" => dr5,
        "dr6" => dr6,
        _ => dr7,
    };

    [Theory]
    [MemberData(nameof(DebugRegisterReads))]
    public void The_kernel_reads_the_debug_registers_reset_values(string name, uint value)
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(eax, Dr(name));
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(value, g.Cpu.Eax);
    }

    [Theory]
    [InlineData("dr0", 0xC1000000u, 0xC1000000u)]
    [InlineData("dr2", 0x12345678u, 0x12345678u)]
    [InlineData("dr6", 0x0000400Fu, 0xFFFF4FFFu)] // BS and B0-B3 kept, the fixed bits forced
    [InlineData("dr4", 0x00000001u, 0xFFFF0FF1u)] // DR4 is DR6 with CR4.DE clear
    [InlineData("dr7", 0x00000000u, 0x00000400u)]
    [InlineData("dr5", 0x00010000u, 0x00010400u)] // DR5 is DR7: R/W0 without an enable
    public void A_debug_register_holds_what_the_kernel_writes(string name, uint written, uint read)
    {
        var g = new TestGuest();
        string alias = name switch { "dr4" => "dr6", "dr5" => "dr7", _ => name };
        g.LoadCode(a =>
        {
            a.mov(eax, written);
            a.mov(Dr(name), eax);
            a.mov(ebx, Dr(alias));
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(read, g.Cpu.Ebx);
    }

    [Fact]
    public void Arming_a_hardware_breakpoint_stops_the_guest_with_the_reason()
    {
        var g = new TestGuest();
        g.LoadCode(a =>
        {
            a.mov(eax, 0x401);
            a.mov(dr7, eax);
        });
        Assert.Equal(ExitReason.Fault, g.Cpu.Run(10).Reason);
        Assert.Contains("hardware breakpoints are not emulated", g.Cpu.Fault!.Reason, StringComparison.Ordinal);
        Assert.Equal(TestGuest.CodeBase + 5, g.Cpu.Fault.Eip);
    }

    public static TheoryData<ushort, bool, int, bool> Verifications => new()
    {
        // selector, VERW (else VERR), ring, ZF
        { 0x68, true, 1, true },    // __KERNEL_DS from the kernel: lguest's boot GDT, DPL 1
        { 0x69, true, 1, true },
        { 0x60, false, 1, true },   // __KERNEL_CS: readable code
        { 0x60, true, 1, false },   // code is never writable
        { 0x00, true, 1, false },   // null
        { 0x04, false, 1, false },  // an LDT selector: lguest gave no LDT
        { 0xF8, true, 1, false },   // past the 32 entries
        { 0x7B, true, 1, true },    // __USER_DS
        { 0x7B, true, 3, true },
        { 0x73, false, 3, true },
        { 0x68, true, 3, false },   // the kernel's data from a process
        { 0x60, false, 3, false },
        { 0x80, true, 1, false },   // entry 16, the TSS: the host's, the guest's write ignored
    };

    [Theory]
    [MemberData(nameof(Verifications))]
    public void Verr_and_verw_say_whether_the_current_ring_may_use_the_segment(ushort selector, bool write, int ring, bool zf)
    {
        var g = new TestGuest();
        LoadGdtEntry(g, 14, UserCode);
        LoadGdtEntry(g, 15, UserData);
        LoadGdtEntry(g, 16, UserData);
        void Body(Assembler a)
        {
            a.mov(eax, selector);
            a.cmp(eax, eax);                // ZF = 1, so a clear ZF is VERx's doing
            if (write)
            {
                a.verw(ax);
            }
            else
            {
                a.verr(ax);
            }
            a.setz(bl);
            a.mov(ebp, 0xD0E);
            var self = a.CreateLabel();
            a.Label(ref self);
            a.jmp(self);
        }

        if (ring == 3)
        {
            g.StartInUserMode(Body);
        }
        else
        {
            g.LoadCode(Body);
        }

        g.Cpu.Run(100);
        Assert.Null(g.Cpu.Fault);
        Assert.Equal(0xD0Eu, g.Cpu.Ebp);
        Assert.Equal(zf ? 1u : 0u, g.Cpu.Ebx & 0xFF);
    }

    [Fact]
    public void A_gdt_entry_the_kernel_loads_at_dpl_0_is_raised_to_ring_1_as_lguest_did()
    {
        var g = new TestGuest();
        LoadGdtEntry(g, 20, 0x00CF9300_0000FFFF); // flat data, DPL 0
        g.LoadCode(a =>
        {
            a.mov(eax, 20 << 3);
            a.verw(ax);                         // DPL 0 would not be writable from ring 1
            a.setz(bl);
            a.hlt();
        });
        g.RunToHalt();
        Assert.Equal(1u, g.Cpu.Ebx & 0xFF);
    }

    public static TheoryData<string, ushort, int, uint> UserSegmentLoads => new()
    {
        // register, selector, expected vector (0: loads), error code
        { "ds", 0x7B, 0, 0 },
        { "es", 0x00, 0, 0 },           // null is fine in a data register
        { "fs", 0x73, 0, 0 },           // readable code may be loaded into a data register
        { "gs", 0x33, 0, 0 },           // a TLS entry at DPL 3
        { "ds", 0x69, 13, 0x68 },       // the kernel's data
        { "ds", 0x7C, 13, 0x7C },       // an LDT selector
        { "ds", 0x3B, 11, 0x38 },       // TLS slot 7 left not present: #NP
        { "ss", 0x7B, 0, 0 },
        { "ss", 0x00, 13, 0 },          // a null SS outside ring 0
        { "ss", 0x69, 13, 0x68 },
        { "ss", 0x73, 13, 0x70 },       // code is not a stack
    };

    [Theory]
    [MemberData(nameof(UserSegmentLoads))]
    public void A_process_may_load_only_segments_of_its_own_ring(string register, ushort selector, int vector, uint error)
    {
        var g = PrivilegeTests.GuestWithFaultHandlers();
        g.SetGate(11, TestGuest.HandlerBase + 0x100, 0xF); // #NP: the #GP handler records it too (EBP says 13)
        LoadGdtEntry(g, 14, UserCode);
        LoadGdtEntry(g, 15, UserData);
        LoadGdtEntry(g, 6, 0x00CFF300_0000FFFF | (0x23ul << 16)); // TLS slot 6: base 0x23, DPL 3
        LoadGdtEntry(g, 7, 0x00CF7300_0000FFFF);                  // TLS slot 7: not present
        g.StartInUserMode(a =>
        {
            a.mov(eax, selector);
            switch (register)
            {
                case "ds": a.mov(ds, ax); break;
                case "es": a.mov(es, ax); break;
                case "fs": a.mov(fs, ax); break;
                case "gs": a.mov(gs, ax); break;
                default: a.mov(ss, ax); break;
            }
            a.mov(ebp, 0xD0E);
            var self = a.CreateLabel();
            a.Label(ref self);
            a.jmp(self);
        });
        g.Cpu.Run(200);
        Assert.Null(g.Cpu.Fault);
        if (vector == 0)
        {
            Assert.Equal(0xD0Eu, g.Cpu.Ebp);
            return;
        }
        Assert.Equal(13u, g.Cpu.Ebp);
        Assert.Equal(error, g.Cpu.Esi);
        Assert.Equal(TestGuest.UserCode + 5, g.Cpu.Edi);
        Assert.Equal(vector, vector == 11 ? 11 : 13);
    }
}
