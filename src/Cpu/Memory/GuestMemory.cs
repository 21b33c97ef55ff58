using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace LguestActors.Cpu.Memory;

/// <summary>
/// Guest physical memory of one VM: a contiguous block [0, Size). The vCPU and the device
/// actors share it, as the lguest Launcher and Host shared the launcher's mapping. Every
/// guest-supplied address is checked here before use: this is the security boundary between
/// guest and host, so an out-of-range access is a <see cref="GuestMemoryException"/>, never an
/// IndexOutOfRangeException from the host's own array.
/// </summary>
public sealed class GuestMemory
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;

    private readonly byte[] _bytes;

    // One flag per page that holds decoded (cached) guest code. A write to such a page, from the
    // vCPU or from a device's DMA on another thread, bumps CodeEpoch and queues the page, so the
    // vCPU's decode cache drops the stale instructions before it runs them again.
    private readonly byte[] _codePages;
    private readonly System.Collections.Concurrent.ConcurrentQueue<uint> _dirtyCodePages = new();
    private int _codeEpoch;

    public GuestMemory(long size)
    {
        if (size <= 0 || size % PageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "guest memory must be a positive whole number of 4 KiB pages");
        }
        if (size > int.MaxValue - PageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "guest memory is limited to 2 GiB");
        }
        _bytes = GC.AllocateUninitializedArray<byte>((int)size, pinned: true);
        Array.Clear(_bytes);
        _codePages = new byte[size >> PageShift];
    }

    public long Size => _bytes.Length;

    public uint PageCount => (uint)(_bytes.Length >> PageShift);

    /// <summary>Raw backing store, for the interpreter's hot path only (which checks bounds itself).</summary>
    internal byte[] Bytes => _bytes;

    /// <summary>True when [address, address + length) lies inside guest memory, with no overflow.</summary>
    public bool Contains(ulong address, ulong length) =>
        address <= (ulong)_bytes.Length && length <= (ulong)_bytes.Length - address;

    public Span<byte> Span(ulong address, int length)
    {
        Check(address, length);
        return _bytes.AsSpan((int)address, length);
    }

    public ReadOnlySpan<byte> ReadOnlySpan(ulong address, int length)
    {
        Check(address, length);
        return _bytes.AsSpan((int)address, length);
    }

    /// <summary>
    /// A span a device will write into (DMA). The pages are reported as written so that any
    /// cached code on them is dropped; call this before writing, not after reading.
    /// </summary>
    public Span<byte> WritableSpan(ulong address, int length)
    {
        Check(address, length);
        NoteWrite((uint)address, (uint)length);
        return _bytes.AsSpan((int)address, length);
    }

    public void Read(ulong address, Span<byte> destination) =>
        ReadOnlySpan(address, destination.Length).CopyTo(destination);

    public void Write(ulong address, ReadOnlySpan<byte> source) =>
        source.CopyTo(WritableSpan(address, source.Length));

    public void Fill(ulong address, int length, byte value) => WritableSpan(address, length).Fill(value);

    public byte ReadU8(ulong address) => ReadOnlySpan(address, 1)[0];

    public ushort ReadU16(ulong address) => BinaryPrimitives.ReadUInt16LittleEndian(ReadOnlySpan(address, 2));

    public uint ReadU32(ulong address) => BinaryPrimitives.ReadUInt32LittleEndian(ReadOnlySpan(address, 4));

    public ulong ReadU64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(ReadOnlySpan(address, 8));

    public void WriteU8(ulong address, byte value) => WritableSpan(address, 1)[0] = value;

    public void WriteU16(ulong address, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(WritableSpan(address, 2), value);

    public void WriteU32(ulong address, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(WritableSpan(address, 4), value);

    public void WriteU64(ulong address, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(WritableSpan(address, 8), value);

    /// <summary>
    /// Reads a ring index that another thread publishes (avail.idx written by the guest's vCPU,
    /// read by a device): acquire, so the ring entries written before it are seen too.
    /// </summary>
    public ushort ReadU16Acquire(ulong address)
    {
        CheckAligned(address, 2);
        return Volatile.Read(ref Unsafe.As<byte, ushort>(ref _bytes[(int)address]));
    }

    /// <summary>Publishes a ring index (used.idx written by a device) with release meaning.</summary>
    public void WriteU16Release(ulong address, ushort value)
    {
        CheckAligned(address, 2);
        Volatile.Write(ref Unsafe.As<byte, ushort>(ref _bytes[(int)address]), value);
    }

    public uint ReadU32Acquire(ulong address)
    {
        CheckAligned(address, 4);
        return Volatile.Read(ref Unsafe.As<byte, uint>(ref _bytes[(int)address]));
    }

    public void WriteU32Release(ulong address, uint value)
    {
        CheckAligned(address, 4);
        NoteWrite((uint)address, 4);
        Volatile.Write(ref Unsafe.As<byte, uint>(ref _bytes[(int)address]), value);
    }

    /// <summary>Incremented whenever a page holding cached code is written.</summary>
    public int CodeEpoch => Volatile.Read(ref _codeEpoch);

    internal void MarkCodePage(uint pfn) => _codePages[pfn] = 1;

    internal bool TryDequeueDirtyCodePage(out uint pfn) => _dirtyCodePages.TryDequeue(out pfn);

    internal bool IsCodePage(uint pfn) => _codePages[pfn] != 0;

    /// <summary>Reports a write to [address, address + length) for code-cache invalidation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void NoteWrite(uint address, uint length)
    {
        if (length == 0)
        {
            return;
        }
        uint first = address >> PageShift;
        uint last = (address + length - 1) >> PageShift;
        for (uint pfn = first; pfn <= last; pfn++)
        {
            if (_codePages[pfn] != 0)
            {
                InvalidateCodePage(pfn);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void InvalidateCodePage(uint pfn)
    {
        _codePages[pfn] = 0;
        _dirtyCodePages.Enqueue(pfn);
        Interlocked.Increment(ref _codeEpoch);
    }

    private void Check(ulong address, int length)
    {
        if (length < 0 || !Contains(address, (ulong)length))
        {
            throw new GuestMemoryException(address, length, Size);
        }
    }

    private void CheckAligned(ulong address, int length)
    {
        Check(address, length);
        if ((address & (ulong)(length - 1)) != 0)
        {
            throw new GuestMemoryException(address, length, Size, "is not naturally aligned");
        }
    }
}

/// <summary>A guest-supplied address or length that falls outside guest memory.</summary>
public sealed class GuestMemoryException : Exception
{
    public GuestMemoryException(ulong address, int length, long size, string problem = "is outside guest memory")
        : base($"guest range 0x{address:x}+{length} {problem} (size 0x{size:x})")
    {
        Address = address;
        Length = length;
    }

    public GuestMemoryException()
    {
    }

    public GuestMemoryException(string message) : base(message)
    {
    }

    public GuestMemoryException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ulong Address { get; }

    public int Length { get; }
}
