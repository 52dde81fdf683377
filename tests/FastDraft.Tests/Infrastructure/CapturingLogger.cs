using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FastDraft.Tests.Infrastructure;

/// <summary>A logger (and a factory handing it out) that keeps every entry at or above <see cref="MinimumLevel"/>.</summary>
internal sealed class CapturingLogger : ILogger, ILoggerFactory
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public LogLevel MinimumLevel { get; init; } = LogLevel.Debug;

    private string _category = string.Empty;

    public ILogger CreateLogger(string categoryName) => new CapturingLogger { MinimumLevel = MinimumLevel, _category = categoryName, Shared = this };

    private CapturingLogger? Shared { get; init; }

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            (Shared ?? this).Entries.Enqueue((logLevel, _category, formatter(state, exception)));
        }
    }

    public void Dispose()
    {
    }
}
