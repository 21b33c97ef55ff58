using System.Buffers.Binary;
using LguestActors.Actors.Devices.Block;
using LguestActors.Actors.Launcher;
using LguestActors.Actors.Protocol;

namespace LguestActors.Host.Experiments;

/// <summary>
/// Block write-and-verify: the sample kernel writes a seeded pattern to COUNT sectors
/// (<c>run=blktest seed=S start=0 count=COUNT mode=write</c>), powers off, and a second boot on the
/// same disk reads them back and compares (<c>mode=verify</c>). Then the host compares every sector
/// on the disk with the pattern. Faults are injected in both boots.
/// </summary>
internal static class BlockWriteVerifyWorkload
{
    public const string Name = "block-write-verify";

    public const int SectorSize = 512;

    public static string CommandLine(uint seed, int count, bool write) =>
        $"run=blktest seed={seed} start=0 count={count} mode={(write ? "write" : "verify")}";

    /// <summary>The disk: the sectors the test writes, rounded up to a MiB.</summary>
    public static long DiskBytes(int count) => ((((long)count * SectorSize) + (1 << 20) - 1) >> 20 << 20);

    /// <summary>Checks both boots and the disk.</summary>
    public static TrialCheck Check(uint seed, int count, VmExited? write, VmExited? verify, byte[] disk)
    {
        int bad = 0;
        var expected = new byte[SectorSize];
        for (uint s = 0; s < count; s++)
        {
            Pattern(seed, s, expected);
            if (!disk.AsSpan((int)(s * SectorSize), SectorSize).SequenceEqual(expected))
            {
                bad++;
            }
        }
        int guestErrors = 0;
        string? problem = null;
        foreach (var (phase, exit) in new[] { ("write", write), ("verify", verify) })
        {
            if (exit is null)
            {
                guestErrors++;
                problem ??= $"the {phase} boot did not power off within the trial timeout";
            }
            else if (exit.Kind != GuestExitKind.PowerOff || !exit.Reason.StartsWith("blktest: PASS", StringComparison.Ordinal))
            {
                guestErrors++;
                problem ??= $"the {phase} boot ended {exit.Kind}: {exit.Reason}";
            }
        }
        problem ??= bad > 0 ? $"{bad} sector(s) on the disk differ from what the guest wrote" : null;
        return new TrialCheck(count, bad, 0, 0, guestErrors, problem);
    }

    /// <summary>The sample kernel's pattern word (guest/kernel/block.c): a pure function of (seed, sector, offset).</summary>
    public static void Pattern(uint seed, uint sector, Span<byte> into)
    {
        for (uint o = 0; o < SectorSize; o += 4)
        {
            uint x = unchecked((seed * 0x9E3779B1u) ^ (sector * 0x85EBCA77u) ^ (o * 0xC2B2AE3Du));
            x ^= x >> 15;
            x = unchecked(x * 0x2C1B3C6Du);
            x ^= x >> 12;
            x = unchecked(x * 0x297A2D39u);
            x ^= x >> 15;
            BinaryPrimitives.WriteUInt32LittleEndian(into[(int)o..], x);
        }
    }
}

/// <summary>A block backend that notes when each operation completed (for the plots and recovery times).</summary>
internal sealed class TimedBlockBackend : IBlockBackend
{
    private readonly IBlockBackend _inner;
    private readonly Func<TimeSpan> _elapsed;
    private readonly List<Served> _done = [];

    /// <param name="inner">The disk.</param>
    /// <param name="elapsed">Time since the trial began: a stopwatch in real time, virtual time in a simulation.</param>
    public TimedBlockBackend(IBlockBackend inner, Func<TimeSpan> elapsed)
    {
        _inner = inner;
        _elapsed = elapsed;
    }

    /// <summary>Each operation that completed, in time order, with the sectors it moved (0 for a FLUSH).</summary>
    public IReadOnlyList<Served> Completions
    {
        get
        {
            lock (_done)
            {
                return _done.OrderBy(d => d.At).ToArray();
            }
        }
    }

    public long Length => _inner.Length;

    public bool ReadOnly => _inner.ReadOnly;

    public BlockIoResult Read(long offset, Span<byte> destination) => Note(_inner.Read(offset, destination), destination.Length);

    public BlockIoResult Write(long offset, ReadOnlySpan<byte> source) => Note(_inner.Write(offset, source), source.Length);

    public BlockIoResult Flush() => Note(_inner.Flush(), 0);

    public void Dispose()
    {
        // The trial owns the disk across its two boots and disposes it itself.
    }

    private BlockIoResult Note(BlockIoResult result, int bytes)
    {
        lock (_done)
        {
            _done.Add(new Served(_elapsed(), result.Error is null ? bytes / BlockWriteVerifyWorkload.SectorSize : 0));
        }
        return result;
    }
}
