using Microsoft.Extensions.Logging;

namespace CableHub.Testing;

public static class TestLogging
{
    /// <summary>Warnings and errors to the console; enough to see why a fixture failed.</summary>
    public static ILoggerFactory Factory { get; } = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
}
