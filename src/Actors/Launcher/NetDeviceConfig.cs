using LguestActors.Actors.Devices.Net;

namespace LguestActors.Actors.Launcher;

/// <summary>A virtio net device with MAC <paramref name="Mac"/>, connected through <paramref name="Backend"/> (a switch port, a TAP).</summary>
public sealed record NetDeviceConfig(MacAddress Mac, INetBackend Backend) : DeviceConfig;
