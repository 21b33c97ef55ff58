using LguestActors.Actors.Devices.Virtio;

namespace LguestActors.Actors.Devices.Console;

/// <summary>The console's state kept across an actor restart: the virtio state, unread host input and its credit.</summary>
public sealed class ConsoleDeviceState
{
    /// <param name="inputWindow">Host input the device holds for the guest at most; the backend waits beyond it.</param>
    public ConsoleDeviceState(int inputWindow = ConsoleInputCredit.DefaultWindow)
    {
        Credit = new ConsoleInputCredit(inputWindow);
    }

    public VirtioDeviceState Virtio { get; } = new(ConsoleDevice.QueueCount);

    /// <summary>The backend's input credit: returned as the guest takes input.</summary>
    public ConsoleInputCredit Credit { get; }

    /// <summary>Host input not yet delivered to the guest (at most the credit window from a backend that keeps to it).</summary>
    internal List<byte> PendingInput { get; } = [];

    internal bool BackendStarted { get; set; }
}
