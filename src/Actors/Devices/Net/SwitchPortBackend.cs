using Akka.Actor;
using LguestActors.Actors.Network;

namespace LguestActors.Actors.Devices.Net;

/// <summary>
/// Plugs the device into a <see cref="NetworkSwitch"/>: one port, named after the device's actor
/// path. The switch watches the device, so a VM that ends leaves the switch by itself.
/// </summary>
public sealed class SwitchPortBackend : INetBackend
{
    private readonly IActorRef _switch;

    public SwitchPortBackend(IActorRef networkSwitch)
    {
        _switch = networkSwitch;
    }

    public void Start(IActorRef device, MacAddress mac, NetInbox inbox)
    {
        ArgumentNullException.ThrowIfNull(device);
        _switch.Tell(new AttachPort(PortName(device), inbox), device);
    }

    public void Send(IActorRef device, byte[] frame) => _switch.Tell(new SwitchFrame(frame), device);

    /// <summary>One message for a burst: the switch routes it in one turn.</summary>
    public void SendMany(IActorRef device, IReadOnlyList<byte[]> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 1)
        {
            Send(device, frames[0]);
        }
        else if (frames.Count > 1)
        {
            _switch.Tell(new SwitchFrames(frames), device);
        }
    }

    public void Stop(IActorRef device) => _switch.Tell(DetachPort.Instance, device);

    /// <summary>"vm-a/net0" for /user/vmm/vm-a/net0.</summary>
    private static string PortName(IActorRef device)
    {
        var elements = device.Path.Elements;
        return elements.Count >= 2 ? $"{elements[^2]}/{elements[^1]}" : device.Path.Name;
    }
}
