using System.Text;

namespace LguestActors.Cpu;

// What the lockstep checker compares after each step.
public sealed partial class LockstepChecker
{
    /// <summary>The architectural state after a step, or null when both sides agree.</summary>
    private static string? CompareStep(Cpu c, Cpu r, RunExit ce, RunExit re)
    {
        if (ce != re)
        {
            return $"the step ended differently: compiled {ce.Reason} after {ce.Executed}, interpreter {re.Reason} after {re.Executed}";
        }
        string? state = CompareRegisters(c, r);
        if (state is not null)
        {
            return state;
        }
        if (ce.Reason == ExitReason.Hypercall && c.PendingHypercall != r.PendingHypercall)
        {
            return $"hypercall: compiled {c.PendingHypercall}, interpreter {r.PendingHypercall}";
        }
        var pages = new SortedSet<uint>();
        c.CollectWrittenPages(pages);
        r.CollectWrittenPages(pages);
        foreach (uint page in pages)
        {
            string? memory = ComparePage(c, r, page);
            if (memory is not null)
            {
                return memory;
            }
        }
        return null;
    }

    private static string? CompareRegisters(Cpu c, Cpu r)
    {
        var diff = new StringBuilder();
        void Check(string name, ulong a, ulong b)
        {
            if (a != b)
            {
                diff.Append($" {name}: compiled 0x{a:x8}, interpreter 0x{b:x8};");
            }
        }
        Check("retired", c.Retired, r.Retired);
        Check("EIP", c.Eip, r.Eip);
        string[] names = ["EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"];
        for (int i = 0; i < 8; i++)
        {
            Check(names[i], c.Register(i), r.Register(i));
        }
        Check("EFLAGS", c.Eflags, r.Eflags);
        Check("CR2", c.Cr2, r.Cr2);
        Check("CR3", c.Cr3, r.Cr3);
        Check("FS.base", c.FsBase, r.FsBase);
        Check("GS.base", c.GsBase, r.GsBase);
        Check("halted", c.Halted ? 1u : 0u, r.Halted ? 1u : 0u);
        Check("lguest_data", c.LguestDataAddress, r.LguestDataAddress);
        for (int s = 0; s < c.Selectors.Length; s++)
        {
            Check($"selector {s}", c.Selectors[s], r.Selectors[s]);
        }
        if (c.Fault?.Reason != r.Fault?.Reason)
        {
            diff.Append($" fault: compiled \"{c.Fault?.Reason}\", interpreter \"{r.Fault?.Reason}\";");
        }
        return diff.Length == 0 ? null : $"registers differ:{diff}";
    }

    private static string? ComparePage(Cpu c, Cpu r, uint page)
    {
        if (!c.Memory.Contains(page, GuestMemoryPage))
        {
            return null;
        }
        var a = c.Memory.ReadOnlySpan(page, GuestMemoryPage);
        var b = r.Memory.ReadOnlySpan(page, GuestMemoryPage);
        int same = a.CommonPrefixLength(b);
        return same == GuestMemoryPage ? null : MemoryDiff(page + (uint)same, a[same], b[same]);
    }

    private static string MemoryDiff(ulong address, byte compiled, byte interpreter) =>
        $"memory differs at physical 0x{address:x8}: compiled 0x{compiled:x2}, interpreter 0x{interpreter:x2}";

    private const int GuestMemoryPage = Memory.GuestMemory.PageSize;

    /// <summary>Registers and the whole of memory.</summary>
    private static string? CompareAll(Cpu c, Cpu r, string when)
    {
        string? state = CompareRegisters(c, r);
        if (state is not null)
        {
            return $"{when}: {state}";
        }
        if (c.Memory.Size != r.Memory.Size)
        {
            return $"{when}: memory sizes differ";
        }
        for (ulong at = 0; at < (ulong)c.Memory.Size; at += 1u << 24)
        {
            int length = (int)Math.Min(1u << 24, (ulong)c.Memory.Size - at);
            var a = c.Memory.ReadOnlySpan(at, length);
            var b = r.Memory.ReadOnlySpan(at, length);
            int same = a.CommonPrefixLength(b);
            if (same != length)
            {
                return $"{when}: {MemoryDiff(at + (ulong)same, a[same], b[same])}";
            }
        }
        return null;
    }
}
