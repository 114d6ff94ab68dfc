using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace CableHub.Host.Configuration;

/// <summary>Serilog: readable console by default, compact JSON with <c>Logging:Json=true</c>; correlation ids from the log context.</summary>
public static class Logging
{
    public static Serilog.Core.Logger CreateLogger(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var json = configuration.GetValue("Logging:Json", false);
        var level = configuration.GetValue("Logging:Level", LogEventLevel.Information);
        var config = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("Wolverine", LogEventLevel.Warning)
            .MinimumLevel.Override("JasperFx", LogEventLevel.Warning)
            .MinimumLevel.Override("Npgsql", LogEventLevel.Warning)
            .Enrich.FromLogContext();
        return json
            ? config.WriteTo.Console(new CompactJsonFormatter(), standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger()
            : config.WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext:l} {CorrelationId:l} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture).CreateLogger();
    }
}
