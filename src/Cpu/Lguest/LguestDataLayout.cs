namespace LguestActors.Cpu.Lguest;

/// <summary>
/// Byte offsets of <c>struct lguest_data</c> (i386, little-endian), the page the guest shares
/// with the host after LGUEST_INIT.
/// </summary>
public static class LguestDataLayout
{
    public const int IrqEnabled = 0;          // u32: 0x200 (EFLAGS.IF) = interrupts on
    public const int BlockedInterrupts = 4;   // u32 bitmap: bit n = IRQ n masked
    public const int Cr2 = 8;                 // u32: host writes the faulting address
    public const int TimeSeconds = 12;        // u32 tv_sec
    public const int TimeNanoseconds = 16;    // u32 tv_nsec
    public const int IrqPending = 20;         // i32: host sets 0x200 when an IRQ waits
    public const int HcallStatus = 24;        // u8[64]: 0 pending (guest), 0xFF done (host)
    public const int Hcalls = 88;             // {u32 call, arg1..arg4}[64], 20 bytes each
    public const int HcallCount = 64;
    public const int HcallSize = 20;
    public const int ReserveMem = 1368;       // u32, set by host
    public const int TscKhz = 1372;           // u32, set by host
    public const int NoIrqStart = 1376;       // u32, set by guest
    public const int NoIrqEnd = 1380;         // u32, set by guest
    public const int KernelAddress = 1384;    // u32, set by guest
    public const int SyscallVec = 1388;       // u32, set by guest
    public const int Size = 1392;

    public const uint InterruptsOn = 0x200;
    public const int IrqVectorBase = 32;
    public const int IrqCount = 32;
}
