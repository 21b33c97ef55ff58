using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// The virtio-net feature bits this device offers and its config space (legacy layout): the MAC
/// (VIRTIO_NET_F_MAC). No offloads, no STATUS, no mergeable receive buffers, no control queue.
/// </summary>
public static class NetConfig
{
    /// <summary>VIRTIO_NET_F_MAC: the config space holds the device's MAC address.</summary>
    public const int FeatureMac = 5;

    /// <summary>Config space: u8 mac[6] at offset 0.</summary>
    public const int MacOffset = 0;

    public const int ConfigLength = MacAddress.Length;

    public static byte[] OfferedFeatures() =>
        FeatureBits.Of(FeatureBits.DefaultLength, FeatureMac, FeatureBits.RingIndirectDesc, FeatureBits.RingEventIdx);

    public static byte[] ConfigSpace(MacAddress mac)
    {
        var config = new byte[ConfigLength];
        mac.Write(config.AsSpan(MacOffset));
        return config;
    }
}
