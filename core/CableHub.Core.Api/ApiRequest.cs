using System.Globalization;
using System.Text.Json;
using CableHub.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace CableHub.Core.Api;

/// <summary>Reading requests in one way for every module: JSON bodies, query values; bad input throws <see cref="RequestInvalidException"/> naming the place.</summary>
public static class ApiRequest
{
    /// <summary>Reads a JSON body; a malformed body is a 400 naming the JSON path, a null body a 400 on <c>$</c>.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpContext http, CancellationToken ct, string nullMessage = "the body must be a JSON object, not null")
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        T? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, JsonSerializerOptions.Web, ct).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new MalformedJsonException(ex);
        }

        return body ?? throw new RequestInvalidException("$", nullMessage);
    }

    /// <summary>An optional ISO 8601 instant from the query (UTC); a bad one is a 400 naming the parameter.</summary>
    public static DateTimeOffset? Instant(HttpContext http, string name)
    {
        ArgumentNullException.ThrowIfNull(http);
        var text = http.Request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUniversalTime()
            : throw new RequestInvalidException(name, $"'{text}' is not an ISO 8601 date-time (e.g. 2026-01-05T18:30:00Z)");
    }

    /// <summary>Like <see cref="Instant(HttpContext, string)"/>, but a bad value is added to <paramref name="errors"/> (one 400 with every field) and read as null.</summary>
    public static DateTimeOffset? Instant(HttpContext http, string name, RequestErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            return Instant(http, name);
        }
        catch (RequestInvalidException ex)
        {
            foreach (var error in ex.Errors)
            {
                errors.Add(name, error.Message);
            }

            return null;
        }
    }

    /// <summary>Comma-separated values of a query parameter (repeated parameters too); null when absent.</summary>
    public static IReadOnlyList<string>? List(HttpContext http, string name)
    {
        ArgumentNullException.ThrowIfNull(http);
        var values = http.Request.Query[name].SelectMany(v => (v ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        return values.Count == 0 ? null : values;
    }

    /// <summary>The first value of a query parameter, or null.</summary>
    public static string? Query(HttpContext http, string name)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Request.Query[name].FirstOrDefault();
    }
}

/// <summary>The body is not JSON or not of the expected shape (400, problem type malformed-json).</summary>
public sealed class MalformedJsonException(JsonException inner)
    : RequestInvalidException([Describe(inner)], "The request body is not valid JSON")
{
    public override string? ProblemType => ProblemMapping.MalformedJsonType;

    private static DomainError Describe(JsonException ex)
    {
        var path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
        var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : "";
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return new DomainError("", $"malformed JSON{where}: {(cut > 0 ? message[..cut] : message)}", path);
    }
}

/// <summary>
/// Collects what is wrong with a request, field by field, then throws one <see cref="RequestInvalidException"/> (400) with
/// everything — validation in one place per operation.
/// </summary>
public sealed class RequestErrors
{
    private readonly List<DomainError> _errors = [];

    public bool Any => _errors.Count > 0;

    public IReadOnlyList<DomainError> Errors => _errors;

    public void Add(string field, string message) => _errors.Add(new DomainError("", message, field));

    public bool Has(string fieldPrefix) => _errors.Any(e => e.Field is { } f && f.StartsWith(fieldPrefix, StringComparison.Ordinal));

    /// <summary>Throws the collected errors (400) when there are any.</summary>
    public void ThrowIfAny(string title = "The request is invalid")
    {
        if (_errors.Count > 0)
        {
            throw new RequestInvalidException(_errors.ToList(), title);
        }
    }
}
