using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;

namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// The host's own network stack as the backend (lguest's --tunnet): a Linux TAP interface from
/// /dev/net/tun (TUNSETIFF with IFF_TAP | IFF_NO_PI, so each read or write is one bare Ethernet
/// frame). A reader thread hands frames to the device through its <see cref="NetInbox"/>; the
/// guest's frames are written straight to the descriptor. Needs CAP_NET_ADMIN; the interface
/// is left down, for the host (or a test) to address and bring up.
/// </summary>
public sealed class TapNetBackend : INetBackend, IDisposable
{
    public const string TunPath = "/dev/net/tun";

    private const int ORdWr = 2;
    private const int OCloExec = 0x80000;
    private const uint TunSetIff = 0x400454ca;
    private const short IffTap = 0x0002;
    private const short IffNoPi = 0x1000;
    private const short PollIn = 0x0001;
    private const int IfNameSize = 16;
    private const int IfReqSize = 40;

    private readonly int _fd;
    private volatile bool _stopped;
    private Thread? _reader;
    private long _writeErrors;

    private TapNetBackend(int fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    /// <summary>The interface name the kernel gave (the one asked for).</summary>
    public string Name { get; }

    /// <summary>Guest frames the TAP would not take (interface down, no buffer): dropped and counted.</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <summary>Creates (or attaches to) TAP interface <paramref name="name"/>.</summary>
    /// <exception cref="NetBackendException">no TAP here: the one-line reason (no /dev/net/tun, no CAP_NET_ADMIN...).</exception>
    public static TapNetBackend Open(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!OperatingSystem.IsLinux())
        {
            throw new NetBackendException($"--net=tap:{name}: TAP interfaces need Linux");
        }
        if (Encoding.UTF8.GetByteCount(name) >= IfNameSize || name.Length == 0)
        {
            throw new NetBackendException($"--net=tap:{name}: an interface name is 1 to {IfNameSize - 1} bytes");
        }
        if (!File.Exists(TunPath))
        {
            throw new NetBackendException($"--net=tap:{name}: {TunPath} does not exist on this machine (no TUN/TAP support)");
        }
        int fd = Native.Open(TunPath, ORdWr | OCloExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new NetBackendException($"--net=tap:{name}: cannot open {TunPath}: {Native.Describe(errno)}");
        }
        var ifreq = new byte[IfReqSize];
        Encoding.UTF8.GetBytes(name, ifreq);
        BitConverter.TryWriteBytes(ifreq.AsSpan(IfNameSize), (short)(IffTap | IffNoPi));
        if (Native.Ioctl(fd, TunSetIff, ifreq) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Native.Close(fd);
            string hint = errno == 1 ? " (creating a TAP interface needs CAP_NET_ADMIN: run as root or grant the capability)" : "";
            throw new NetBackendException($"--net=tap:{name}: TUNSETIFF failed: {Native.Describe(errno)}{hint}");
        }
        int end = Array.IndexOf(ifreq, (byte)0);
        return new TapNetBackend(fd, Encoding.UTF8.GetString(ifreq, 0, end < 0 || end > IfNameSize ? IfNameSize : end));
    }

    public void Start(IActorRef device, MacAddress mac, NetInbox inbox)
    {
        ArgumentNullException.ThrowIfNull(inbox);
        _reader = new Thread(() => ReadLoop(device, inbox)) { IsBackground = true, Name = $"tap-{Name}" };
        _reader.Start();
    }

    public void Send(IActorRef device, byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_stopped || Native.Write(_fd, frame, frame.Length) != frame.Length)
        {
            Interlocked.Increment(ref _writeErrors);
        }
    }

    public void Stop(IActorRef device) => _stopped = true;

    public void Dispose()
    {
        _stopped = true;
        _reader?.Join(TimeSpan.FromSeconds(2));
        Native.Close(_fd);
    }

    private void ReadLoop(IActorRef device, NetInbox inbox)
    {
        var buffer = new byte[65536];
        var poll = new Native.PollFd { Fd = _fd, Events = PollIn };
        while (!_stopped)
        {
            // Poll with a timeout so Dispose can end the thread: closing an fd does not wake a blocked read.
            int ready = Native.Poll(ref poll, 1, 200);
            if (ready <= 0 || _stopped)
            {
                continue;
            }
            int n = (int)Native.Read(_fd, buffer, buffer.Length);
            if (n <= 0)
            {
                if (n < 0 && Marshal.GetLastPInvokeError() is 4 or 11)
                {
                    continue; // EINTR, EAGAIN
                }
                return;
            }
            if (n >= EthernetFrame.HeaderSize)
            {
                inbox.TryDeliver(device, buffer.AsSpan(0, n).ToArray());
            }
        }
    }

    private static class Native
    {
        [StructLayout(LayoutKind.Sequential)]
        public struct PollFd
        {
            public int Fd;
            public short Events;
            public short Revents;
        }

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        public static extern int Ioctl(int fd, nuint request, byte[] argument);

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        public static extern nint Read(int fd, byte[] buffer, nint count);

        [DllImport("libc", EntryPoint = "write", SetLastError = true)]
        public static extern nint Write(int fd, byte[] buffer, nint count);

        [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
        public static extern int Poll(ref PollFd fds, nuint count, int timeoutMs);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        public static extern int Close(int fd);

        public static string Describe(int errno) => errno switch
        {
            1 => "operation not permitted (EPERM)",
            2 => "no such file (ENOENT)",
            13 => "permission denied (EACCES)",
            16 => "the interface is busy (EBUSY)",
            19 => "no such device (ENODEV: is the tun module loaded?)",
            _ => $"errno {errno}",
        };
    }
}
