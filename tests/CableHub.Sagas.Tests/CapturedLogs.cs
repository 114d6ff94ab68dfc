using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Serilog.Context;
using Serilog.Core;
using Serilog.Events;

namespace CableHub.Sagas.Tests;

/// <summary>One log call and the <c>CorrelationId</c> that Serilog's LogContext held at that moment.</summary>
public sealed record CapturedLog(string Category, LogLevel Level, string Message, string? CorrelationId);

/// <summary>
/// A logger provider that records every message with the CorrelationId found in Serilog's
/// <see cref="LogContext"/> when it was logged (what Serilog's <c>Enrich.FromLogContext()</c> would attach).
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _entries);

    public void Dispose()
    {
    }

    private static string? CurrentCorrelationId()
    {
        var probe = new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Information, null, MessageTemplate.Empty, []);
        LogContext.Clone().Enrich(probe, new PropertyFactory());
        return probe.Properties.TryGetValue("CorrelationId", out var value) && value is ScalarValue { Value: string s } ? s : null;
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), CurrentCorrelationId()));
            }
        }
    }

    private sealed class PropertyFactory : ILogEventPropertyFactory
    {
        public LogEventProperty CreateProperty(string name, object? value, bool destructureObjects = false) => new(name, new ScalarValue(value));
    }
}
