using Microsoft.Extensions.Logging;

namespace LguestActors.Host.Logging;

/// <summary>
/// Host and Akka log lines, one line each, to stderr: stdout is the guest's console and must carry
/// nothing else. An exception shows as its type and message; stack traces are for the tests.
/// </summary>
internal sealed class LineLoggerProvider(TextWriter writer) : ILoggerProvider
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

    private sealed class LineLogger(LineLoggerProvider provider, string category) : ILogger
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
            string message = OneLine(formatter(state, exception));
            if (exception is not null)
            {
                message += $" ({exception.GetType().Name}: {OneLine(exception.Message)})";
            }
            provider.WriteLine($"{Cli.Usage.ProgramName}: {Level(logLevel)}: {category}: {message}");
        }

        private static string OneLine(string text) => text.ReplaceLineEndings(" ");
    }
}
