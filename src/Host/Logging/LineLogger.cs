using Akka.Actor;
using Akka.Event;
using LguestActors.Actors;

namespace LguestActors.Host.Logging;

/// <summary>
/// Akka's log events, one line each, to stderr: stdout is the guest's console and must carry
/// nothing else. <c>lguest-actors: LEVEL: CLASS: [SOURCE] MESSAGE (CAUSE)</c>: an exception shows as
/// its type and message, never a stack trace. The host starts its actor system with
/// <c>akka.loggers = []</c> and subscribes this actor to the event stream (<see cref="LineLogging.Attach"/>):
/// Akka's own logger start-up (each logger created and waited for) and Microsoft.Extensions.Logging
/// before it cost the start-up more than they gave.
/// </summary>
internal static class LineLogging
{
    /// <summary>Config for an actor system whose log lines <see cref="Attach"/> takes over.</summary>
    public const string NoDefaultLoggers = "akka.loggers = []";

    /// <summary>Subscribes a <see cref="LineLogger"/> writing to <paramref name="writer"/> to <paramref name="system"/>'s log events.</summary>
    public static void Attach(ActorSystem system, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(system);
        IActorRef logger = system.ActorOf(ActorProps.Of(() => new LineLogger(writer)), "line-logger");
        // As Akka's own loggers: akka.loglevel and above (some of Akka's Debug events are
        // published to the stream whatever the level).
        foreach (LogLevel level in new[] { LogLevel.DebugLevel, LogLevel.InfoLevel, LogLevel.WarningLevel, LogLevel.ErrorLevel })
        {
            if (level >= system.EventStream.LogLevel)
            {
                system.EventStream.Subscribe(logger, Akka.Event.Logging.ClassFor(level));
            }
        }
    }
}

/// <summary>One Akka log event, one line.</summary>
internal sealed class LineLogger : UntypedActor
{
    private readonly TextWriter _writer;

    public LineLogger(TextWriter writer)
    {
        _writer = writer;
    }

    // A switch, not ReceiveActor's Receive<T>: the published host interprets ReceiveActor's
    // expression-tree matcher on every message and loads LINQ to build it (docs/PERFORMANCE.md, start-up).
    protected override void OnReceive(object message)
    {
        if (message is LogEvent e)
        {
            Write(e);
        }
        else
        {
            Unhandled(message);
        }
    }

    private void Write(LogEvent e)
    {
        string message = FirstLine(e.Message?.ToString() ?? "");
        if (e.Cause is not null)
        {
            message += $" ({ExceptionText.OneLine(e.Cause)})";
        }
        string line = $"{Cli.Usage.ProgramName}: {Level(e.LogLevel())}: {ShortName(e.LogClass)}: [{e.LogSource}] {message}";
        lock (_writer)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    private static string ShortName(Type? type) => type?.Name is string name && name.IndexOf('`', StringComparison.Ordinal) is int tick
        ? (tick < 0 ? name : name[..tick])
        : "akka";

    private static string FirstLine(string text)
    {
        int newline = text.IndexOfAny(['\r', '\n']);
        return (newline < 0 ? text : text[..newline]).TrimEnd();
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.DebugLevel => "debug",
        LogLevel.InfoLevel => "info",
        LogLevel.WarningLevel => "warning",
        _ => "error",
    };
}
