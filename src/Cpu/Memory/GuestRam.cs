using System.Runtime.InteropServices;

namespace LguestActors.Cpu.Memory;

/// <summary>
/// The host mapping behind a <see cref="GuestMemory"/>: anonymous memory reserved, not committed.
/// On Linux it is <c>mmap(MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)</c>, as lguest's launcher
/// mapped guest memory: the kernel hands out a zero page on the guest's first touch of each page,
/// so pages the guest never touches cost no host memory and nothing is zeroed up front; with
/// MAP_NORESERVE the reservation is not charged against the commit limit either, so thousands of
/// mostly idle guests fit. Elsewhere it is <see cref="NativeMemory.AllocZeroed(nuint)"/>.
/// A SafeHandle, so a mapping nobody disposed is still released (by the finalizer), but the owner
/// disposes it: thousands of VMs must not wait for finalizers to give their memory back.
/// </summary>
internal sealed unsafe partial class GuestRam : SafeHandle
{
    private const int ProtRead = 0x1, ProtWrite = 0x2;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20, MapNoReserve = 0x4000;
    private const int MadvDontNeed = 4;

    private readonly nuint _length;

    private GuestRam(nint address, nuint length) : base(0, ownsHandle: true)
    {
        SetHandle(address);
        _length = length;
    }

    public override bool IsInvalid => handle == 0;

    public byte* Base => (byte*)handle;

    /// <summary>Reserves <paramref name="length"/> bytes of zeroed memory; throws <see cref="InvalidOperationException"/> with the reason when the host has no room.</summary>
    public static GuestRam Reserve(nuint length)
    {
        if (!OperatingSystem.IsLinux())
        {
            return new GuestRam((nint)NativeMemory.AllocZeroed(length), length);
        }
        nint address = Native.Mmap(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        if (address == -1)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException(
                $"cannot reserve {length >> 20} MiB of guest memory: mmap failed with errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})" +
                (errno == 12 ? "; the process may be at vm.max_map_count or out of address space" : ""));
        }
        return new GuestRam(address, length);
    }

    /// <summary>
    /// Gives [offset, offset + length) back to the host, whole pages only: the next touch of each
    /// reads zeros (MADV_DONTNEED on a private anonymous mapping). False where that is not available.
    /// </summary>
    public bool Discard(nuint offset, nuint length) =>
        OperatingSystem.IsLinux() && Native.Madvise(handle + (nint)offset, length, MadvDontNeed) == 0;

    /// <summary>Pages of [0, length) the host has resident now (mincore), or -1 where that cannot be known.</summary>
    public long ResidentPages()
    {
        if (!OperatingSystem.IsLinux() || IsClosed)
        {
            return -1;
        }
        nuint pages = (_length + (nuint)GuestMemory.PageSize - 1) / (nuint)GuestMemory.PageSize;
        byte[] vector = new byte[pages];
        fixed (byte* v = vector)
        {
            if (Native.Mincore(handle, _length, v) != 0)
            {
                return -1;
            }
        }
        long resident = 0;
        foreach (byte b in vector)
        {
            resident += b & 1;
        }
        return resident;
    }

    protected override bool ReleaseHandle()
    {
        if (!OperatingSystem.IsLinux())
        {
            NativeMemory.Free((void*)handle);
            return true;
        }
        return Native.Munmap(handle, _length) == 0;
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
        public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

        [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
        public static partial int Munmap(nint address, nuint length);

        [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
        public static partial int Madvise(nint address, nuint length, int advice);

        [LibraryImport("libc", EntryPoint = "mincore", SetLastError = true)]
        public static partial int Mincore(nint address, nuint length, byte* vector);
    }
}
