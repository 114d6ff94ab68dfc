using Serilog.Context;

namespace CableHub.Host.Api;

/// <summary>
/// Every request carries a correlation id: the caller's <c>X-Correlation-Id</c> (if sane) or a new one.
/// It is echoed in the response, pushed into the log context, stored with what the request creates,
/// and handed to the message bus so saga messages and their logs carry it too.
/// </summary>
public static class CorrelationId
{
    public const string Header = "X-Correlation-Id";
    private const string ItemKey = "cablehub.correlation-id";

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var incoming = context.Request.Headers[Header].ToString();
        var id = IsSane(incoming) ? incoming : Guid.CreateVersion7().ToString("N");
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        using (LogContext.PushProperty("CorrelationId", id))
        using (CableHub.Core.Diagnostics.CorrelationContext.Begin(id))
        {
            await next(context).ConfigureAwait(false);
        }
    });

    public static string Get(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var id) && id is string s ? s : context.TraceIdentifier;

    private static bool IsSane(string value) =>
        value.Length is > 0 and <= 100 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
