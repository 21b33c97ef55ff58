using System.Text;

namespace LguestActors.Cpu;

// Finding the instruction: the run is replayed from scratch (both machines are deterministic)
// with compiled code traced — every compiled instruction reports the state before it — up to
// the step that differed; that step's compiled instructions are then set against the
// interpreter run one instruction at a time.
public sealed partial class LockstepChecker
{
    private readonly record struct Snapshot(uint Eip, ulong Retired, uint[] Regs, uint Eflags, byte[]? Page);

    private uint? _suspectPage;

    private string Pinpoint(long step, string divergence)
    {
        _suspectPage = SuspectPage(divergence);
        var (c, r) = Start(trace: true);
        Drive(c, r, stopBefore: step, out string? early);
        if (early is not null)
        {
            return $"(replayed with traced compiled code, the run differed earlier, at step {step}: {early})";
        }
        try
        {
            return TraceStep(c.Cpu, r.Cpu, RemainingBudget);
        }
        finally
        {
            c.Cpu._jitTrace = null;
        }
    }

    // The budget left in the slice when Drive stopped before the traced step.
    private long RemainingBudget { get; set; }

    private static uint? SuspectPage(string divergence)
    {
        const string marker = "at physical 0x";
        int at = divergence.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? null : uint.Parse(divergence.AsSpan(at + marker.Length, 8), System.Globalization.NumberStyles.HexNumber, null) & 0xFFFFF000;
    }

    private string TraceStep(Cpu c, Cpu r, long budget)
    {
        ulong start = r.Retired;
        var trace = new List<Snapshot>();
        c._jitTrace = (eip, retired) => trace.Add(Take(c, eip, retired));
        c.FlushWriteTlb();
        r.FlushWriteTlb();
        RunExit ce = c.Run(budget);
        c._jitTrace = null;
        var reference = new List<Snapshot> { Take(r, r.Eip, r.Retired) };
        for (long i = 0; i < ce.Executed; i++)
        {
            RunExit one = r.Run(1);
            reference.Add(Take(r, r.Eip, r.Retired));
            if (one.Executed == 0)
            {
                break;
            }
        }
        Snapshot? previous = null;
        foreach (Snapshot s in trace)
        {
            long index = (long)(s.Retired - start);
            if (index < 0 || index >= reference.Count)
            {
                continue;
            }
            string? diff = Differences(s, reference[(int)index]);
            if (diff is not null)
            {
                return previous is Snapshot p && p.Retired + 1 == s.Retired
                    ? $"first wrong result: the compiled instruction at {c.DescribeInstruction(p.Eip)}{Environment.NewLine}" +
                      $"  before it: {Format(p)}{Environment.NewLine}  after it: {diff}"
                    : $"already different when compiled code reached {c.DescribeInstruction(s.Eip)} (the region's entry, or interpreted code before it): {diff}";
            }
            previous = s;
        }
        if (trace.Count == 0)
        {
            return "(the replayed step ran no compiled instruction)";
        }
        Snapshot last = trace[^1];
        string after = Differences(Take(c, c.Eip, c.Retired), Take(r, r.Eip, r.Retired)) ?? "the exit (write-back) differs";
        return $"first wrong result: the last compiled instruction of the step, at {c.DescribeInstruction(last.Eip)}, or the region's exit{Environment.NewLine}" +
               $"  before it: {Format(last)}{Environment.NewLine}  after the step: {after}";
    }

    private Snapshot Take(Cpu cpu, uint eip, ulong retired)
    {
        var regs = new uint[8];
        for (int i = 0; i < 8; i++)
        {
            regs[i] = cpu.Register(i);
        }
        byte[]? page = _suspectPage is uint p && cpu.Memory.Contains(p, GuestMemoryPage) ? cpu.Memory.ReadOnlySpan(p, GuestMemoryPage).ToArray() : null;
        return new Snapshot(eip, retired, regs, cpu.Eflags, page);
    }

    private string? Differences(Snapshot compiled, Snapshot interpreter)
    {
        var d = new StringBuilder();
        if (compiled.Eip != interpreter.Eip)
        {
            d.Append($" EIP compiled 0x{compiled.Eip:x8} interpreter 0x{interpreter.Eip:x8};");
        }
        string[] names = ["EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"];
        for (int i = 0; i < 8; i++)
        {
            if (compiled.Regs[i] != interpreter.Regs[i])
            {
                d.Append($" {names[i]} compiled 0x{compiled.Regs[i]:x8} interpreter 0x{interpreter.Regs[i]:x8};");
            }
        }
        if (compiled.Eflags != interpreter.Eflags)
        {
            d.Append($" EFLAGS compiled 0x{compiled.Eflags:x8} interpreter 0x{interpreter.Eflags:x8};");
        }
        if (compiled.Page is byte[] a && interpreter.Page is byte[] b)
        {
            int same = a.AsSpan().CommonPrefixLength(b);
            if (same < a.Length)
            {
                d.Append($" memory at physical 0x{_suspectPage!.Value + (uint)same:x8} compiled 0x{a[same]:x2} interpreter 0x{b[same]:x2};");
            }
        }
        return d.Length == 0 ? null : d.ToString();
    }

    private static string Format(Snapshot s) =>
        $"EAX={s.Regs[0]:x8} ECX={s.Regs[1]:x8} EDX={s.Regs[2]:x8} EBX={s.Regs[3]:x8} ESP={s.Regs[4]:x8} EBP={s.Regs[5]:x8} ESI={s.Regs[6]:x8} EDI={s.Regs[7]:x8} EFLAGS={s.Eflags:x8}";
}
