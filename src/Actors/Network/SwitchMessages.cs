using LguestActors.Actors.Devices.Net;

namespace LguestActors.Actors.Network;

/// <summary>
/// The sender becomes a port of the switch: frames for it go through <paramref name="Inbox"/>.
/// The switch watches the sender and removes the port (and the MACs learned on it) when it stops.
/// Answered with <see cref="PortAttached"/>.
/// </summary>
public sealed record AttachPort(string Name, NetInbox Inbox);

/// <summary>The port the sender was given.</summary>
public sealed record PortAttached(int Port, string Name);

/// <summary>The sender leaves the switch (its device is going away).</summary>
public sealed record DetachPort
{
    public static readonly DetachPort Instance = new();
}

/// <summary>A frame (Ethernet header onward) the sender's port puts on the wire.</summary>
public sealed record SwitchFrame(byte[] Frame);

/// <summary>Frames the sender's port puts on the wire in one go, in order; routed in one turn.</summary>
public sealed record SwitchFrames(IReadOnlyList<byte[]> Frames);

/// <summary>Ask the switch for its counters and MAC table; answered with <see cref="SwitchStats"/>.</summary>
public sealed record GetSwitchStats
{
    public static readonly GetSwitchStats Instance = new();
}

/// <summary>One port's counters. Rx is what the switch received from the port, Tx what it sent to it.</summary>
public sealed record SwitchPortStats(int Port, string Name, long RxFrames, long RxBytes, long TxFrames, long TxBytes, long TxDropped);

/// <summary>The switch's ports (attached now) and which port each learned MAC lives on.</summary>
public sealed record SwitchStats(string Name, IReadOnlyList<SwitchPortStats> Ports, IReadOnlyDictionary<MacAddress, int> MacTable, long UnknownSenderFrames)
{
    public SwitchPortStats? Port(string name) => Ports.FirstOrDefault(p => p.Name == name);
}
