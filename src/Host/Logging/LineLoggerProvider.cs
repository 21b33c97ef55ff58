using Microsoft.Extensions.Logging;

namespace LguestActors.Host.Logging;

/// <summary>
/// Host and Akka log lines, one line each, to stderr: stdout is the guest's console and must carry
/// nothing else. An exception shows as its type and message; stack traces are for the tests.
/// </summary>
internal sealed partial class LineLoggerProvider(TextWriter writer) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, ShortCategory(categoryName));

    public void Dispose()
    {
    }

    private void WriteLine(string line)
    {
        lock (_lock)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    private static string ShortCategory(string category)
    {
        int dot = category.LastIndexOf('.');
        return dot < 0 ? category : category[(dot + 1)..];
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    private sealed partial class LineLogger(LineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (!IsEnabled(logLevel))
            {
                return;
            }
            string message = FirstLine(formatter(state, exception));
            if (exception is not null)
            {
                message += $" ({ExceptionText.OneLine(exception)})";
            }
            provider.WriteLine($"{Cli.Usage.ProgramName}: {Level(logLevel)}: {category}: {message}");
        }

        // Akka's text is "[LEVEL][time][Thread n][source] message", then the cause and its stack
        // trace on the lines after: keep "[source] message", the level is said already.
        private static string FirstLine(string text)
        {
            int newline = text.IndexOfAny(['\r', '\n']);
            string line = newline < 0 ? text : text[..newline];
            return AkkaHeader().Replace(line, "", 1).TrimEnd();
        }

        [System.Text.RegularExpressions.GeneratedRegex(@"^\[(ERROR|WARNING|INFO|DEBUG)\]\[[^\]]*\]\[Thread \d+\]")]
        private static partial System.Text.RegularExpressions.Regex AkkaHeader();
    }
}
