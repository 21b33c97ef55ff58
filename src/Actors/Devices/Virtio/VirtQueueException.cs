namespace LguestActors.Actors.Devices.Virtio;

/// <summary>
/// The guest broke the virtqueue rules (a bad descriptor, a loop, an address outside RAM...).
/// The message is the one clear reason a person reads in the log.
/// </summary>
public sealed class VirtQueueException : Exception
{
    public VirtQueueException(string message) : base(message)
    {
    }

    public VirtQueueException()
    {
    }

    public VirtQueueException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
