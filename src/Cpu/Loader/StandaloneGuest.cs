using System.Text;
using LguestActors.Cpu.Lguest;
using LguestActors.Cpu.Memory;

namespace LguestActors.Cpu.Loader;

/// <summary>How a standalone guest run ended.</summary>
public enum StandaloneOutcome
{
    /// <summary>The guest made the SHUTDOWN hypercall.</summary>
    Shutdown,

    /// <summary>A fatal guest fault stopped the vCPU.</summary>
    Fault,

    /// <summary>The instruction limit ran out first.</summary>
    InstructionLimit,

    /// <summary>The guest halted (HLT or the HALT hypercall); with no devices or timer nothing can wake it.</summary>
    Halted,

    /// <summary>The guest made a hypercall the standalone runner cannot serve, or passed it a bad address.</summary>
    BadHypercall,
}

/// <summary>Options for <see cref="StandaloneGuest.Run"/>.</summary>
public sealed record StandaloneOptions
{
    /// <summary>Guest RAM: [0, MemoryBytes). A multiple of 4096.</summary>
    public long MemoryBytes { get; init; } = 64L << 20;

    /// <summary>The kernel command line, placed at 4096 with <c>hdr.cmd_line_ptr</c> pointing at it.</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>Stop with <see cref="StandaloneOutcome.InstructionLimit"/> after this many instructions.</summary>
    public long InstructionLimit { get; init; } = 10_000_000_000;

    /// <summary>Instructions per <see cref="Cpu.Run"/> call.</summary>
    public long Slice { get; init; } = 1_000_000;

    /// <summary>Called with each early-console (NOTIFY) string as it arrives; may be null.</summary>
    public Action<string>? Console { get; init; }
}

/// <summary>The outcome of a standalone run, with everything a test needs to explain a failure.</summary>
public sealed record StandaloneResult(
    StandaloneOutcome Outcome,
    string? ShutdownReason,
    uint ShutdownHow,
    string ConsoleText,
    ulong Retired,
    string? Diagnostic)
{
    public override string ToString()
    {
        var text = new StringBuilder($"{Outcome} after {Retired} instructions");
        if (ShutdownReason is not null)
        {
            text.Append($": \"{ShutdownReason}\" (how {ShutdownHow})");
        }

        if (Diagnostic is not null)
        {
            text.Append($"{Environment.NewLine}{Diagnostic}");
        }

        if (ConsoleText.Length > 0)
        {
            text.Append($"{Environment.NewLine}--- early console ---{Environment.NewLine}{ConsoleText}");
        }

        return text.ToString();
    }
}

/// <summary>
/// Runs a guest image on one <see cref="Cpu"/> with no launcher, no devices and no timer: for
/// tests and the benchmark. It boots as DESIGN §5 says (zero page at 0, command line at 4096,
/// ESI = 0, EFLAGS 0x202) but leaves paging off, so images linked at physical addresses run
/// identity-mapped. It serves the CPU-local hypercalls, prints NOTIFY text, and stops at SHUTDOWN.
/// </summary>
public static class StandaloneGuest
{
    private const uint CommandLineAddress = 4096;
    private const int MaxStringBytes = 64 * 1024;

    public static StandaloneResult Run(ReadOnlySpan<byte> image, StandaloneOptions? options = null)
    {
        options ??= new StandaloneOptions();
        using var memory = new GuestMemory(options.MemoryBytes);
        WriteZeroPage(memory, options);
        var loaded = Elf32Loader.Load(memory, image, (ulong)options.MemoryBytes);

        var cpu = new Cpu(memory)
        {
            Eip = loaded.Entry,
            Esi = 0,
            Eflags = 0x202,
        };
        return Run(cpu, options);
    }

    /// <summary>Runs an already-loaded <paramref name="cpu"/> until SHUTDOWN, a fault, a halt or the limit.</summary>
    public static StandaloneResult Run(Cpu cpu, StandaloneOptions options)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        ArgumentNullException.ThrowIfNull(options);
        var console = new StringBuilder();
        long executed = 0;

        StandaloneResult Stop(StandaloneOutcome outcome, string? diagnostic, string? reason = null, uint how = 0) =>
            new(outcome, reason, how, console.ToString(), cpu.Retired, diagnostic);

        while (true)
        {
            long left = options.InstructionLimit - executed;
            if (left <= 0)
            {
                return Stop(StandaloneOutcome.InstructionLimit, $"instruction limit {options.InstructionLimit} reached at EIP 0x{cpu.Eip:x8}");
            }

            var exit = cpu.Run(Math.Min(options.Slice, left));
            executed += exit.Executed;
            switch (exit.Reason)
            {
                case ExitReason.BudgetSpent or ExitReason.Pause:
                    continue; // no devices here to give the CPU to
                case ExitReason.Fault:
                    return Stop(StandaloneOutcome.Fault, cpu.Fault?.ToString() ?? $"fault at EIP 0x{cpu.Eip:x8}");
                case ExitReason.Halt:
                    return Stop(StandaloneOutcome.Halted, $"guest executed HLT at EIP 0x{cpu.Eip:x8} with nothing to wake it");
                case ExitReason.Hypercall:
                    break;
                default:
                    return Stop(StandaloneOutcome.Fault, $"unknown exit reason {exit.Reason}");
            }

            var call = cpu.PendingHypercall;
            switch (call.Call)
            {
                case Hypercalls.Shutdown:
                    if (!TryReadString(cpu.Memory, call.Arg1, out string reason))
                    {
                        return Stop(StandaloneOutcome.BadHypercall, $"SHUTDOWN reason address 0x{call.Arg1:x8} is outside guest memory");
                    }

                    return Stop(StandaloneOutcome.Shutdown, null, reason, call.Arg2);
                case Hypercalls.Notify:
                    // No device page here: every NOTIFY inside RAM is early-console text (DESIGN §1).
                    if (!TryReadString(cpu.Memory, call.Arg1, out string text))
                    {
                        return Stop(StandaloneOutcome.BadHypercall, $"NOTIFY address 0x{call.Arg1:x8} is outside guest memory");
                    }

                    console.Append(text);
                    options.Console?.Invoke(text);
                    cpu.CompleteHypercall(0);
                    break;
                case Hypercalls.Halt:
                    return Stop(StandaloneOutcome.Halted, $"guest made the HALT hypercall at EIP 0x{cpu.Eip:x8} with no timer or device to wake it");
                case Hypercalls.SetClockEvent:
                case Hypercalls.SendInterrupts:
                    // No timer and no interrupt sources: nothing to arm or deliver.
                    cpu.CompleteHypercall(0);
                    break;
                default:
                    if (!cpu.TryServeLocalHypercall(in call, out uint result))
                    {
                        return Stop(StandaloneOutcome.BadHypercall, $"hypercall {call} is not served by the standalone runner");
                    }

                    cpu.CompleteHypercall(result);
                    break;
            }
        }
    }

    /// <summary>The boot_params ("zero page") fields DESIGN §5 lists, so a guest sees the same boot either way.</summary>
    private static void WriteZeroPage(GuestMemory memory, StandaloneOptions options)
    {
        memory.WriteU8(0x1E8, 1);                      // e820_entries
        memory.WriteU64(0x2D0, 0);                     // e820 entry 0: addr
        memory.WriteU64(0x2D8, (ulong)options.MemoryBytes); //            size
        memory.WriteU32(0x2E0, 1);                     //            type RAM
        memory.WriteU16(0x206, 0x0207);                // hdr.version
        memory.WriteU8(0x211, 0x40);                   // hdr.loadflags: KEEP_SEGMENTS
        memory.WriteU32(0x228, CommandLineAddress);    // hdr.cmd_line_ptr
        memory.WriteU32(0x23C, 1);                     // hdr.hardware_subarch: lguest
        byte[] cmdline = Encoding.ASCII.GetBytes(options.CommandLine + "\0");
        if (cmdline.Length > GuestMemory.PageSize)
        {
            throw new ArgumentException("the command line must fit in one page", nameof(options));
        }

        memory.Write(CommandLineAddress, cmdline);
    }

    private static bool TryReadString(GuestMemory memory, uint address, out string text)
    {
        text = "";
        if (address >= memory.Size)
        {
            return false;
        }

        int length = (int)Math.Min(MaxStringBytes, memory.Size - address);
        var bytes = memory.ReadOnlySpan(address, length);
        int end = bytes.IndexOf((byte)0);
        text = Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
        return true;
    }
}
