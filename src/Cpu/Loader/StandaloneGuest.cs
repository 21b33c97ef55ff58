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

    /// <summary>The engine that runs the guest.</summary>
    public CpuEngine Engine { get; init; } = CpuEngine.Interpreter;

    /// <summary>Options of the compiled engine (null: the defaults).</summary>
    public CompilerOptions? Compiler { get; init; }

    /// <summary>
    /// Test mode: run the guest twice side by side, on the compiled engine and on the
    /// interpreter, comparing them at every exit of compiled code (<see cref="LockstepChecker"/>);
    /// a difference throws <see cref="LockstepDivergenceException"/>.
    /// </summary>
    public bool Lockstep { get; init; }
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
    /// <summary>What the compiled engine did in this run (all zero under the interpreter).</summary>
    public CompiledCodeStats Compiled { get; init; } = CompiledCodeStats.None;

    /// <summary>In lockstep mode, the exits of compiled code at which both engines were compared.</summary>
    public long CheckedSteps { get; init; }

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
        if (options.Lockstep)
        {
            byte[] copy = image.ToArray();
            var checker = new LockstepChecker(engine => new StandaloneMachine(Boot(copy, options, engine), options), options.Compiler);
            var run = checker.Run();
            using (run.Compiled.Cpu.Memory)
            using (run.Reference.Cpu.Memory)
            {
                var result = ((StandaloneMachine)run.Compiled).Result!;
                return result with { CheckedSteps = run.Steps };
            }
        }
        var machine = new StandaloneMachine(Boot(image, options, options.Engine), options);
        using var memory = machine.Cpu.Memory;
        GuestMachine.RunToEnd(machine);
        return machine.Result!;
    }

    /// <summary>Runs an already-loaded <paramref name="cpu"/> until SHUTDOWN, a fault, a halt or the limit.</summary>
    public static StandaloneResult Run(Cpu cpu, StandaloneOptions options)
    {
        var machine = new StandaloneMachine(cpu, options);
        GuestMachine.RunToEnd(machine);
        return machine.Result!;
    }

    private static Cpu Boot(ReadOnlySpan<byte> image, StandaloneOptions options, CpuEngine engine)
    {
        var memory = new GuestMemory(options.MemoryBytes);
        WriteZeroPage(memory, options);
        var loaded = Elf32Loader.Load(memory, image, (ulong)options.MemoryBytes);
        return new Cpu(memory)
        {
            Eip = loaded.Entry,
            Esi = 0,
            Eflags = 0x202,
            CompilerOptions = options.Compiler ?? new CompilerOptions(),
            Engine = engine,
        };
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

    internal static bool TryReadString(GuestMemory memory, uint address, out string text)
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
