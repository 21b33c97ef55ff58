using Iced.Intel;
using LguestActors.Cpu.Decode;

namespace LguestActors.Cpu.Execute;

/// <summary>
/// x87 (and FXSAVE/FXRSTOR) on a CPU without an x87, so that Linux uses its built-in math
/// emulator (CONFIG_MATH_EMULATION) for its processes:
/// <list type="bullet">
/// <item>CPUID offers FXSR but no FPU, MMX or SSE (MMX and SSE opcodes are #UD).</item>
/// <item>CR0.TS is what the guest set with the TS hypercall. With TS set every x87 instruction,
/// WAIT (CR0.MP is set, as Linux sets it), FXSAVE and FXRSTOR raise #NM, as lguest's host
/// delivered #NM while the guest had TS set.</item>
/// <item>Ring 3 runs with CR0.EM in effect: every x87 instruction, FXSAVE and FXRSTOR raise
/// #NM, and Linux's do_device_not_available() finds EM in its own copy of CR0 (fpu_init set it
/// when it found no FPU) and calls math_emulate(). lguest's guest cannot put EM in the real
/// CR0 (its write_cr0 passes only TS down), so the vCPU applies it for the processes; lguest's
/// host needed no such rule because its real FPU ran them.</item>
/// <item>Ring 1, the kernel, runs with EM clear, as an i386 with no i387 after reset: the x87
/// state instructions (FNINIT, FNSTSW, FNSTCW, FLDCW, FNCLEX, FNSAVE, FRSTOR, FNSTENV, FLDENV...)
/// and FXSAVE/FXRSTOR find no coprocessor and store or load nothing. So fpu_detect (fninit;
/// fnstsw; fnstcw into words it set to 0xffff, before the guest has an IDT) sees no FPU, and a
/// kernel that saves and restores FPU state on every context switch (this 3.10 tree's eager FPU
/// does, with FXSAVE, whatever the CPU) leaves its emulator's state alone. x87 arithmetic in
/// ring 1 cannot be served at all (Linux's emulator refuses kernel code): the guest stops with
/// a clear reason rather than compute nothing.</item>
/// <item>Iced decodes WAIT + FNxxx as one instruction (FINIT, FSTSW...): as on the hardware,
/// the WAIT completes and a fault of the x87 part points one byte further on.</item>
/// </list>
/// </summary>
internal static unsafe class X87
{
    private const byte WaitForm = 1;
    private const byte StateForm = 2;

    public static bool IsX87(in Instruction i)
    {
        foreach (CpuidFeature f in i.CpuidFeatures)
        {
            if (f is CpuidFeature.FPU or CpuidFeature.FPU287 or CpuidFeature.FPU287XL_ONLY or CpuidFeature.FPU387 or CpuidFeature.FPU387SL_ONLY)
            {
                return true;
            }
        }

        return false;
    }

    public static delegate*<Cpu, ref Op, void> Select(in Instruction i, ref Op o)
    {
        if (i.Mnemonic == Mnemonic.Wait)
        {
            return &Wait;
        }

        o.Cc = (byte)((i.Code.ToOpCode().Fwait ? WaitForm : 0) | (IsState(i.Mnemonic) ? StateForm : 0));
        return &Esc;
    }

    // The instructions that only initialise, save or load the FPU's state and control words.
    private static bool IsState(Mnemonic m) => m is Mnemonic.Fninit or Mnemonic.Finit or Mnemonic.Fnclex or Mnemonic.Fclex
        or Mnemonic.Fnstsw or Mnemonic.Fstsw or Mnemonic.Fnstcw or Mnemonic.Fstcw or Mnemonic.Fldcw
        or Mnemonic.Fnstenv or Mnemonic.Fstenv or Mnemonic.Fldenv or Mnemonic.Fnsave or Mnemonic.Fsave or Mnemonic.Frstor
        or Mnemonic.Fndisi or Mnemonic.Fdisi or Mnemonic.Fneni or Mnemonic.Feni or Mnemonic.Fnsetpm or Mnemonic.Fsetpm
        or Mnemonic.Fnop or Mnemonic.Ffree or Mnemonic.Ffreep;

    private static void Wait(Cpu c, ref Op o)
    {
        if (c.TaskSwitched)
        {
            throw new GuestTrap(Vectors.DeviceNotAvailable);
        }
    }

    private static void Esc(Cpu c, ref Op o)
    {
        bool wait = (o.Cc & WaitForm) != 0;
        if (wait && c.TaskSwitched)
        {
            throw new GuestTrap(Vectors.DeviceNotAvailable); // the WAIT itself faults
        }

        if (c.UserMode || c.TaskSwitched)
        {
            throw new GuestTrap(Vectors.DeviceNotAvailable, 0, wait ? 1u : 0u);
        }

        if ((o.Cc & StateForm) == 0)
        {
            throw new FatalGuestException("x87 arithmetic in the guest kernel (ring 1): this CPU has no FPU, and Linux's math emulator serves only processes");
        }
    }

    /// <summary>FXSAVE/FXRSTOR m512: #NM as for x87; #GP(0) off a 16-byte boundary; with no x87 and no SSE there is no state to move.</summary>
    public static void FxState(Cpu c, ref Op o)
    {
        if (c.UserMode || c.TaskSwitched)
        {
            throw new GuestTrap(Vectors.DeviceNotAvailable);
        }

        if ((c.Ea(ref o) & 15) != 0)
        {
            throw new GuestTrap(Vectors.GeneralProtection, 0);
        }
    }
}
