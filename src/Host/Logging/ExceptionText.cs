using System.Reflection;
using Akka.Actor;

namespace LguestActors.Host.Logging;

/// <summary>An exception as one line for a person: the exception that says what happened, not its wrappers.</summary>
internal static class ExceptionText
{
    public static string OneLine(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Exception cause = exception;
        while (cause is ActorInitializationException or TargetInvocationException or AggregateException
               && cause.InnerException is not null)
        {
            cause = cause.InnerException;
        }
        return $"{cause.GetType().Name}: {cause.Message.ReplaceLineEndings(" ")}";
    }
}
