using Akka.Actor;
using LguestActors.Actors.Devices.Net;
using LguestActors.Actors.Launcher;
using LguestActors.Testing;

namespace LguestActors.Actors.Tests.Net;

/// <summary>A backend played by a probe: frames the guest sends arrive at the probe as byte[].</summary>
internal sealed class ProbeNetBackend(IActorRef probe) : INetBackend
{
    public IActorRef? Device { get; private set; }

    public NetInbox? Inbox { get; private set; }

    public void Start(IActorRef device, MacAddress mac, NetInbox inbox)
    {
        Device = device;
        Inbox = inbox;
    }

    public void Send(IActorRef device, byte[] frame) => probe.Tell(frame);

    public void Stop(IActorRef device)
    {
    }
}

/// <summary>A backend that passes each burst on whole: the probe gets the list SendMany was given.</summary>
internal sealed class BurstProbeBackend(IActorRef probe) : INetBackend
{
    public void Start(IActorRef device, MacAddress mac, NetInbox inbox)
    {
    }

    public void Send(IActorRef device, byte[] frame) => probe.Tell(new[] { frame });

    public void SendMany(IActorRef device, IReadOnlyList<byte[]> frames) => probe.Tell(frames);

    public void Stop(IActorRef device)
    {
    }
}

internal static class NetFrames
{
    public static readonly MacAddress A = MacAddress.Parse("52:54:00:00:00:0a");
    public static readonly MacAddress B = MacAddress.Parse("52:54:00:00:00:0b");
    public static readonly MacAddress C = MacAddress.Parse("52:54:00:00:00:0c");

    /// <summary>An Ethernet frame from <paramref name="source"/> to <paramref name="destination"/> with a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static byte[] Frame(MacAddress destination, MacAddress source, int payloadLength = 46, byte fill = 0x5a)
    {
        var frame = new byte[EthernetFrame.HeaderSize + payloadLength];
        destination.Write(frame);
        source.Write(frame.AsSpan(6));
        frame[12] = 0x88; // a local experimental EtherType
        frame[13] = 0xb5;
        frame.AsSpan(EthernetFrame.HeaderSize).Fill(fill);
        return frame;
    }

    /// <summary>The 10-byte virtio-net header the guest puts before a frame (no offloads) followed by it.</summary>
    public static byte[] WithHeader(byte[] frame, byte flags = 0, byte gsoType = 0)
    {
        var bytes = new byte[NetHeader.Size + frame.Length];
        bytes[0] = flags;
        bytes[1] = gsoType;
        frame.CopyTo(bytes, NetHeader.Size);
        return bytes;
    }

    public static VirtioDeviceHarness Harness(MacAddress mac, ushort queueSize = DeviceSpec.DefaultQueueSize) =>
        VirtioDeviceHarness.Create(new DeviceSpec(NetDevice.VirtioId, NetDevice.QueueCount, NetConfig.OfferedFeatures(), NetConfig.ConfigSpace(mac), queueSize));
}
