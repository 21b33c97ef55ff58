namespace LguestActors.Actors.Devices.Net;

/// <summary>A net backend could not be opened; the message is the one line a person reads.</summary>
public sealed class NetBackendException : Exception
{
    public NetBackendException(string message) : base(message)
    {
    }

    public NetBackendException()
    {
    }

    public NetBackendException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
