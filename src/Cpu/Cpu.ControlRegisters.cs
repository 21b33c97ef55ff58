namespace LguestActors.Cpu;

// CR0 as this CPU shows it (no x87: see Execute/X87.cs), and the debug registers.
public sealed unsafe partial class Cpu
{
    internal const uint Cr0Pe = 0x1;
    internal const uint Cr0Mp = 0x2;
    internal const uint Cr0Em = 0x4;
    internal const uint Cr0Ts = 0x8;
    internal const uint Cr0Et = 0x10;
    internal const uint Cr0Wp = 0x10000;
    internal const uint Cr0Pg = 0x80000000;

    private const uint Dr6Fixed = 0xFFFF0FF0;
    private const uint Dr7Fixed = 0x400;

    // DR0-DR7 (DR4/DR5 are never stored: with CR4.DE clear they are DR6/DR7).
    private readonly uint[] _dr = [0, 0, 0, 0, 0, 0, Dr6Fixed, Dr7Fixed];

    /// <summary>
    /// CR0.TS as the guest last set it: lguest's guest passes TS (and nothing else of CR0) down
    /// with the TS hypercall; CLTS and a MOV to CR0 in the kernel change it too.
    /// </summary>
    internal bool TaskSwitched { get; set; }

    /// <summary>
    /// CR0 as the ring-1 kernel reads it: PE, MP, ET, WP always; PG with paging; TS as set. EM
    /// is clear there (see Execute/X87.cs: in ring 1 no coprocessor answers).
    /// </summary>
    internal uint Cr0 => Cr0Pe | Cr0Mp | Cr0Et | Cr0Wp | (PagingEnabled ? Cr0Pg : 0) | (TaskSwitched ? Cr0Ts : 0);

    // CR4.DE is clear (CPUID does not offer DE), so DR4 and DR5 are DR6 and DR7.
    private static int DebugRegisterIndex(int n) => n is 4 or 5 ? n + 2 : n;

    internal uint ReadDebugRegister(int n) => _dr[DebugRegisterIndex(n)];

    /// <summary>
    /// A MOV to DRn. The registers hold what is written (with DR6/DR7's fixed bits); arming a
    /// breakpoint in DR7 stops the guest with a clear reason rather than never firing: no
    /// breakpoint is emulated (lguest's guest never writes them: its set_debugreg does nothing).
    /// </summary>
    internal void WriteDebugRegister(int n, uint value)
    {
        int i = DebugRegisterIndex(n);
        switch (i)
        {
            case 6:
                _dr[6] = (value & 0x0000E00F) | Dr6Fixed;
                break;
            case 7:
                if ((value & 0xFF) != 0)
                {
                    throw new FatalGuestException($"hardware breakpoints are not emulated: MOV to DR7 of 0x{value:x8} enables one");
                }
                _dr[7] = (value & ~0xD800u) | Dr7Fixed;
                break;
            default:
                _dr[i] = value;
                break;
        }
    }
}
