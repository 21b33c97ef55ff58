using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Devices.Console;

/// <summary>The console's state kept across an actor restart: the virtio state and unread host input.</summary>
public sealed class ConsoleDeviceState
{
    /// <summary>Host input held while the guest has no receive buffer posted; beyond it input is dropped.</summary>
    public const int DefaultInputBound = 64 * 1024;

    public ConsoleDeviceState(int inputBound = DefaultInputBound)
    {
        InputBound = inputBound;
    }

    public VirtioDeviceState Virtio { get; } = new(ConsoleDevice.QueueCount);

    public int InputBound { get; }

    /// <summary>Host input not yet delivered to the guest.</summary>
    internal List<byte> PendingInput { get; } = [];

    /// <summary>Host input bytes dropped because the guest posted no buffers and the bound was reached.</summary>
    public long DroppedInputBytes { get; internal set; }

    internal bool Dropping { get; set; }

    internal bool BackendStarted { get; set; }
}
