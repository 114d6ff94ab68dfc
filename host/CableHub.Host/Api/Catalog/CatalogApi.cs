using System.Text.Json;
using CableHub.Core.Catalog;

namespace CableHub.Host.Api.Catalog;

/// <summary>Helpers of the catalog, EPG and VOD endpoints: roles, bodies, rule violations as problem documents.</summary>
public static class CatalogApi
{
    /// <summary>Role allowed to change the catalog (channels, bouquets, prices, VOD titles and offers, EPG sources and imports).</summary>
    public const string CatalogAdmin = "catalog-admin";

    /// <summary>
    /// STAND-IN FOR REAL AUTHENTICATION: the caller's roles come from the <c>X-Role</c> header (comma-separated). Behind
    /// the operator's gateway this becomes a claim of the authenticated principal; until then anyone who can reach the
    /// API can send the header, so the hub must not be exposed beyond the operator's network.
    /// </summary>
    public static bool HasRole(HttpContext http, string role)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Request.Headers.TryGetValue("X-Role", out var values)
            && values.SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                .Contains(role, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Who acts, for audit columns: the <c>X-Actor</c> header, else the role, else "api".</summary>
    public static string Actor(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Request.Headers.TryGetValue("X-Actor", out var actor) && !string.IsNullOrWhiteSpace(actor) ? actor.ToString().Trim()
            : http.Request.Headers.TryGetValue("X-Role", out var role) && !string.IsNullOrWhiteSpace(role) ? role.ToString().Trim()
            : "api";
    }

    /// <summary>Reads a JSON body; a malformed or null body gives a 400 problem naming the place.</summary>
    public static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpContext http, CancellationToken ct)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, JsonSerializerOptions.Web, ct).ConfigureAwait(false);
            return body is null ? (null, Invalid("$", "the body must be a JSON object, not null")) : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.MalformedJson(ex));
        }
    }

    public static IResult Invalid(string field, string message, string title = "The request is invalid") =>
        Problems.Validation(new Dictionary<string, string[]> { [field] = [message] }, title);

    public static IResult Invalid(IDictionary<string, List<string>> errors, string title = "The request is invalid") =>
        Problems.Validation(errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), title);

    /// <summary>
    /// Rule violations as a problem document: 400 when every violation is about the request's shape (…-INVALID), 404 when
    /// something named does not exist, else 422 (the request is well-formed but breaks a catalog rule). Every violation
    /// is listed with its rule code under <c>violations</c>; <c>errors</c> groups the messages by field.
    /// </summary>
    public static IResult Violations(CatalogRuleException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var violations = ex.Violations;
        var status = violations.All(v => v.Code.EndsWith("-INVALID", StringComparison.Ordinal)) ? StatusCodes.Status400BadRequest
            : violations.All(v => v.Code.EndsWith("-NOT-FOUND", StringComparison.Ordinal)) ? StatusCodes.Status404NotFound
            : StatusCodes.Status422UnprocessableEntity;
        var errors = violations.GroupBy(v => v.Field ?? "$").ToDictionary(g => g.Key, g => g.Select(v => $"{v.Code}: {v.Message}").ToArray());
        return Results.Problem(
            title: status == StatusCodes.Status400BadRequest ? "The request is invalid"
                : status == StatusCodes.Status404NotFound ? "Something the request names does not exist"
                : $"The change breaks {(violations.Count == 1 ? "a catalog rule" : "catalog rules")}: {string.Join(", ", violations.Select(v => v.Code).Distinct())}",
            detail: ex.Message,
            statusCode: status,
            type: status == StatusCodes.Status422UnprocessableEntity ? "https://cablehub.dev/problems/catalog-rule" : "https://cablehub.dev/problems/validation",
            extensions: new Dictionary<string, object?>
            {
                ["violations"] = violations.Select(v => new { code = v.Code, field = v.Field, message = v.Message }).ToList(),
                ["errors"] = errors,
            });
    }

    /// <summary>Runs an operation; <see cref="CatalogRuleException"/> and <see cref="ArgumentException"/> (from stores) become problem documents.</summary>
    public static async Task<IResult> RunAsync(Func<Task<IResult>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (CatalogRuleException ex)
        {
            return Violations(ex);
        }
        catch (ArgumentException ex) when (ex is not ArgumentNullException)
        {
            // Stores throw "field: reason" for bad settings (zones, policies, unknown codes).
            var message = ex.Message.Split(" (Parameter", 2)[0];
            var colon = message.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && !message[..colon].Contains(' ', StringComparison.Ordinal)
                ? Invalid(message[..colon], message[(colon + 1)..].Trim())
                : Invalid("$", message);
        }
    }

    /// <summary>Parses an optional ISO 8601 instant from the query; a bad one is a 400 naming the parameter.</summary>
    public static bool TryInstant(HttpContext http, string name, out DateTimeOffset? value, out IResult? problem)
    {
        ArgumentNullException.ThrowIfNull(http);
        value = null;
        problem = null;
        var text = http.Request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed.ToUniversalTime();
            return true;
        }

        problem = Invalid(name, $"'{text}' is not an ISO 8601 date-time (e.g. 2026-01-05T18:30:00Z)");
        return false;
    }

    /// <summary>Comma-separated values of a query parameter (repeated parameters too); null when absent.</summary>
    public static IReadOnlyList<string>? List(HttpContext http, string name)
    {
        ArgumentNullException.ThrowIfNull(http);
        var values = http.Request.Query[name].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        return values.Count == 0 ? null : values;
    }
}
