using System.Text;
using Decoder = Iced.Intel.Decoder;
using Iced.Intel;
using LguestActors.Cpu.Lguest;

namespace LguestActors.Cpu;

/// <summary>x86 exception vectors.</summary>
internal static class Vectors
{
    public const int DivideError = 0;
    public const int Debug = 1;
    public const int Breakpoint = 3;
    public const int Overflow = 4;
    public const int InvalidOpcode = 6;
    public const int DeviceNotAvailable = 7;
    public const int DoubleFault = 8;
    public const int SegmentNotPresent = 11;
    public const int StackFault = 12;
    public const int GeneralProtection = 13;
    public const int PageFault = 14;

    public static bool HasErrorCode(int vector) => vector is 8 or 10 or 11 or 12 or 13 or 14 or 17;

    public static string Name(int vector) => vector switch
    {
        0 => "#DE",
        1 => "#DB",
        3 => "#BP",
        4 => "#OF",
        5 => "#BR",
        6 => "#UD",
        7 => "#NM",
        8 => "#DF",
        10 => "#TS",
        11 => "#NP",
        12 => "#SS",
        13 => "#GP",
        14 => "#PF",
        16 => "#MF",
        17 => "#AC",
        _ => $"vector {vector}",
    };
}

/// <summary>A guest exception raised while executing an instruction (a fault: EIP stays at the instruction).</summary>
internal sealed class GuestTrap : Exception
{
    public GuestTrap(int vector, uint errorCode = 0, uint eipOffset = 0) : base(Vectors.Name(vector))
    {
        Vector = vector;
        ErrorCode = errorCode;
        EipOffset = eipOffset;
    }

    public GuestTrap()
    {
    }

    public GuestTrap(string message) : base(message)
    {
    }

    public GuestTrap(string message, Exception innerException) : base(message, innerException)
    {
    }

    public int Vector { get; }

    public uint ErrorCode { get; }

    /// <summary>
    /// Bytes past the start of the decoded instruction where the fault struck: non-zero only for
    /// Iced's merged WAIT + x87 forms, where the WAIT completed and the x87 instruction faulted.
    /// </summary>
    public uint EipOffset { get; }
}

/// <summary>The guest cannot continue (no handler, double fault, address outside memory, ...).</summary>
internal sealed class FatalGuestException : Exception
{
    public FatalGuestException(string message) : base(message)
    {
    }

    public FatalGuestException()
    {
    }

    public FatalGuestException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

public sealed unsafe partial class Cpu
{
    // The IDT the guest fills with LOAD_IDT_ENTRY (lguest has no LIDT).
    private readonly ulong[] _idt = new ulong[256];
    private bool _delivering;

    /// <summary>Sets an 8-byte IDT gate: low = selector &lt;&lt; 16 | offset 15..0; high = offset 31..16 | P | DPL | type.</summary>
    public void SetIdtEntry(int vector, uint low, uint high)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vector);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vector, 255);
        _idt[vector] = ((ulong)high << 32) | low;
    }

    internal bool GatePresent(int vector) => (_idt[vector] & (0x8000ul << 32)) != 0;

    /// <summary>
    /// Delivers an exception or interrupt through the IDT as lguest's set_guest_interrupt() did:
    /// from ring 3 it switches to the stack the guest gave with SET_STACK and pushes the old SS
    /// and ESP first; then EFLAGS (IF virtual when lguest_data exists), CS, the return EIP and
    /// the error code if any; the handler runs at ring 1 with CS = __KERNEL_CS | 1, whatever
    /// selector the gate named. The frame is written with the kernel's rights. A missing gate, or
    /// a fault while pushing the frame, is fatal (lguest killed such a guest).
    /// </summary>
    internal void Deliver(int vector, bool hasError, uint error, uint returnEip)
    {
        if (!GatePresent(vector))
        {
            throw new FatalGuestException($"no handler for {Vectors.Name(vector)} (vector {vector}) in the IDT");
        }
        if (_delivering)
        {
            throw new FatalGuestException($"double fault: a fault while delivering {Vectors.Name(vector)}");
        }
        ulong gate = _idt[vector];
        uint low = (uint)gate;
        uint high = (uint)(gate >> 32);
        uint flags = PushedFlags();
        bool fromUser = _cpl != KernelPl;
        uint oldEsp = R[4];
        uint oldSs = Selectors[2];
        uint esp = oldEsp;
        if (fromUser)
        {
            if (KernelStackSegment == 0)
            {
                throw new FatalGuestException($"{Vectors.Name(vector)} (vector {vector}) in ring {_cpl}, but the guest never gave a kernel stack with SET_STACK");
            }
            esp = KernelStackPointer;
        }
        SetCpl(KernelPl);
        _delivering = true;
        try
        {
            uint n = esp - (fromUser ? 20u : 12u) - (hasError ? 4u : 0u);
            uint p = n;
            if (hasError)
            {
                Write32(p, error);
                p += 4;
            }
            Write32(p, returnEip);
            Write32(p + 4, Selectors[1]);
            Write32(p + 8, flags);
            if (fromUser)
            {
                Write32(p + 12, oldEsp);
                Write32(p + 16, oldSs);
                Selectors[2] = (ushort)KernelStackSegment;
            }
            R[4] = n;
        }
        catch (GuestTrap trap)
        {
            throw new FatalGuestException($"double fault: {Vectors.Name(trap.Vector)} at 0x{Cr2:x8} while delivering {Vectors.Name(vector)} (vector {vector}) on the stack at 0x{esp:x8}");
        }
        finally
        {
            _delivering = false;
        }
        Selectors[1] = KernelCs;
        if (((high >> 8) & 0xF) == 0xE)
        {
            SetInterruptsEnabled(false);
        }
        _eflags &= ~TF;
        _eip = (low & 0xFFFF) | (high & 0xFFFF0000);
        if (vector == Vectors.PageFault && LguestDataAddress != 0)
        {
            WritePhys32(LguestDataAddress + LguestDataLayout.Cr2, Cr2);
        }
    }

    /// <summary>Stops the guest for good with a diagnostic naming the instruction at <paramref name="eip"/>.</summary>
    internal void SetFatal(string reason, uint eip)
    {
        var bytes = new byte[15];
        int got = 0;
        for (; got < bytes.Length; got++)
        {
            if (!TryWalk(eip + (uint)got, false, false, out uint pa, out _) || pa >= MemSize)
            {
                break;
            }
            bytes[got] = Mem[pa];
        }
        string hex = "??";
        string disassembly = "(instruction not readable)";
        if (got > 0)
        {
            var decoder = Decoder.Create(32, new ByteArrayCodeReader(bytes, 0, got), eip);
            decoder.Decode(out Instruction instr);
            int len = instr.IsInvalid ? Math.Min(got, 4) : instr.Length;
            var sb = new StringBuilder();
            for (int i = 0; i < len; i++)
            {
                sb.Append(i == 0 ? "" : " ").Append(bytes[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            }
            hex = sb.ToString();
            disassembly = instr.IsInvalid ? "(invalid instruction)" : instr.ToString();
        }
        _eip = eip;
        Fault = new GuestFault(reason, eip, hex, disassembly, FormatRegisters(this));
    }
}
