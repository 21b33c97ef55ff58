using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Devices.Console;

/// <summary>The console's state kept across an actor restart: the virtio state, unread host input and its credit.</summary>
public sealed class ConsoleDeviceState
{
    /// <param name="inputWindow">Host input the device holds for the guest at most; the backend waits beyond it.</param>
    public ConsoleDeviceState(int inputWindow = ConsoleInputCredit.DefaultWindow)
        : this(new VirtioDeviceState(ConsoleDevice.QueueCount), inputWindow)
    {
    }

    /// <param name="virtio">The virtio state the launcher made for the device (its fault plan and events set).</param>
    /// <param name="inputWindow">Host input the device holds for the guest at most; the backend waits beyond it.</param>
    public ConsoleDeviceState(VirtioDeviceState virtio, int inputWindow = ConsoleInputCredit.DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(virtio);
        Virtio = virtio;
        Credit = new ConsoleInputCredit(inputWindow);
    }

    public VirtioDeviceState Virtio { get; }

    /// <summary>The backend's input credit: returned as the guest takes input.</summary>
    public ConsoleInputCredit Credit { get; }

    /// <summary>Host input not yet delivered to the guest (at most the credit window from a backend that keeps to it).</summary>
    internal List<byte> PendingInput { get; } = [];

    internal bool BackendStarted { get; set; }
}
