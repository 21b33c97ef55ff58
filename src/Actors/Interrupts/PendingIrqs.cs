using System.Numerics;

namespace LguestActors.Actors.Interrupts;

/// <summary>
/// lguest's <c>irqs_pending</c> bitmap: the IRQs raised and not yet delivered. Shared by the
/// interrupt controller (which sets bits from its thread) and the vCPU (which delivers and clears
/// them between slices), so every operation is a single Interlocked step.
/// </summary>
public sealed class PendingIrqs
{
    public const int Count = 32;

    private int _bits;

    /// <summary>The pending set as a bitmap (bit n = IRQ n).</summary>
    public uint Bits => (uint)Volatile.Read(ref _bits);

    public bool Any => Bits != 0;

    /// <summary>Marks <paramref name="irq"/> pending; true if it was not pending before.</summary>
    public bool Set(int irq)
    {
        CheckIrq(irq);
        int mask = 1 << irq;
        return (Interlocked.Or(ref _bits, mask) & mask) == 0;
    }

    /// <summary>Clears <paramref name="irq"/> (delivered or dropped).</summary>
    public void Clear(int irq)
    {
        CheckIrq(irq);
        Interlocked.And(ref _bits, ~(1 << irq));
    }

    public bool IsPending(int irq) => (uint)irq < Count && (Bits & (1u << irq)) != 0;

    /// <summary>The lowest pending IRQ not in <paramref name="masked"/>, or -1.</summary>
    public int Lowest(uint masked = 0)
    {
        uint candidates = Bits & ~masked;
        return candidates == 0 ? -1 : BitOperations.TrailingZeroCount(candidates);
    }

    private static void CheckIrq(int irq)
    {
        if ((uint)irq >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(irq), irq, "lguest has IRQs 0..31");
        }
    }
}
