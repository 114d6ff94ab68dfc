using System.Text.Json;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CableHub.Host.Api.Health;

/// <summary>
/// <c>GET /health</c>: one JSON document with each dependency's status ("ok" / "degraded" / "down"),
/// whether it is embedded or external, its address and details (lag, counters).
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHubHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymousBecause("liveness and readiness for load balancers and operators; dependency states, no business data");
        return app;
    }

    public static string Word(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "ok",
        HealthStatus.Degraded => "degraded",
        _ => "down",
    };

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var document = new Dictionary<string, object?>
        {
            ["status"] = Word(report.Status),
            ["checkedAt"] = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(),
            ["durationMs"] = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            ["dependencies"] = report.Entries.ToDictionary(
                e => e.Key,
                e =>
                {
                    var entry = new Dictionary<string, object?> { ["status"] = Word(e.Value.Status) };
                    foreach (var (key, value) in e.Value.Data)
                    {
                        entry[key] = value;
                    }

                    if (e.Value.Description is { } description)
                    {
                        entry["detail"] = description;
                    }

                    if (e.Value.Exception is { } ex)
                    {
                        entry["error"] = ex.Message;
                    }

                    entry["durationMs"] = Math.Round(e.Value.Duration.TotalMilliseconds, 1);
                    return entry;
                }),
        };
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, document, JsonSerializerOptions.Web, context.RequestAborted);
    }
}
