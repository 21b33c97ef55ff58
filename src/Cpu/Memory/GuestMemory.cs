using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace LguestActors.Cpu.Memory;

/// <summary>
/// Guest physical memory of one VM: a contiguous block [0, Size). The vCPU and the device
/// actors share it, as the lguest Launcher and Host shared the launcher's mapping. Every
/// guest-supplied address is checked here before use: this is the security boundary between
/// guest and host, so an out-of-range access is a <see cref="GuestMemoryException"/>, never an
/// access outside the host's mapping.
/// </summary>
/// <remarks>
/// The memory is reserved, not committed (<see cref="GuestRam"/>): it reads as zeros, and a page
/// costs host memory only once the guest (or a device, or the loader) touches it. The owner — the
/// launcher, for a VM — disposes it once nothing can touch it any more (every actor holding it has
/// stopped); after that every checked access fails as out of range, since the size is then 0.
/// </remarks>
public sealed unsafe class GuestMemory : IDisposable
{
    public const int PageShift = 12;
    public const int PageSize = 1 << PageShift;

    private readonly GuestRam _ram;
    private readonly byte* _base;
    private long _size;

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
        _ram = GuestRam.Reserve((nuint)size);
        _base = _ram.Base;
        _size = size;
        _codePages = new byte[size >> PageShift];
    }

    /// <summary>The size in bytes; 0 once disposed.</summary>
    public long Size => Volatile.Read(ref _size);

    public uint PageCount => (uint)(Size >> PageShift);

    /// <summary>The mapping's base, for the interpreter's hot path only (which checks bounds itself against its own copy of the size).</summary>
    internal byte* Pointer => _base;

    /// <summary>True when [address, address + length) lies inside guest memory, with no overflow.</summary>
    public bool Contains(ulong address, ulong length)
    {
        ulong size = (ulong)Size;
        return address <= size && length <= size - address;
    }

    public Span<byte> Span(ulong address, int length)
    {
        Check(address, length);
        return new Span<byte>(_base + address, length);
    }

    public ReadOnlySpan<byte> ReadOnlySpan(ulong address, int length)
    {
        Check(address, length);
        return new ReadOnlySpan<byte>(_base + address, length);
    }

    /// <summary>
    /// Host memory this guest memory holds now: the pages touched so far (and not given back).
    /// -1 where the host cannot tell (not Linux).
    /// </summary>
    public long ResidentBytes
    {
        get
        {
            long pages = _ram.ResidentPages();
            return pages < 0 ? -1 : pages << PageShift;
        }
    }

    /// <summary>Gives the mapping back to the host. The owner calls it when nothing can touch the memory any more.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _size, 0);
        _ram.Dispose();
    }

    /// <summary>
    /// A span a device will write into (DMA). The pages are reported as written so that any
    /// cached code on them is dropped; call this before writing, not after reading.
    /// </summary>
    public Span<byte> WritableSpan(ulong address, int length)
    {
        Check(address, length);
        NoteWrite((uint)address, (uint)length);
        return new Span<byte>(_base + address, length);
    }

    public void Read(ulong address, Span<byte> destination) =>
        ReadOnlySpan(address, destination.Length).CopyTo(destination);

    public void Write(ulong address, ReadOnlySpan<byte> source) =>
        source.CopyTo(WritableSpan(address, source.Length));

    /// <summary>
    /// Fills [address, address + length). Zeros go to whole pages by giving them back to the host
    /// (they read as zeros, and cost nothing until touched again), so zeroing a kernel's .bss at
    /// load does not make it resident.
    /// </summary>
    public void Fill(ulong address, int length, byte value)
    {
        var span = WritableSpan(address, length);
        if (value != 0)
        {
            span.Fill(value);
            return;
        }
        ulong firstPage = (address + PageSize - 1) & ~(ulong)(PageSize - 1);
        ulong endPage = (address + (ulong)length) & ~(ulong)(PageSize - 1);
        if (endPage <= firstPage || !_ram.Discard((nuint)firstPage, (nuint)(endPage - firstPage)))
        {
            span.Clear();
            return;
        }
        span[..(int)(firstPage - address)].Clear();
        span[(int)(endPage - address)..].Clear();
    }

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
        return Volatile.Read(ref *(ushort*)(_base + address));
    }

    /// <summary>Publishes a ring index (used.idx written by a device) with release meaning.</summary>
    public void WriteU16Release(ulong address, ushort value)
    {
        CheckAligned(address, 2);
        Volatile.Write(ref *(ushort*)(_base + address), value);
    }

    public uint ReadU32Acquire(ulong address)
    {
        CheckAligned(address, 4);
        return Volatile.Read(ref *(uint*)(_base + address));
    }

    public void WriteU32Release(ulong address, uint value)
    {
        CheckAligned(address, 4);
        NoteWrite((uint)address, 4);
        Volatile.Write(ref *(uint*)(_base + address), value);
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
