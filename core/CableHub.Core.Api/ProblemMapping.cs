using CableHub.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CableHub.Core.Api;

/// <summary>
/// THE mapping of errors to RFC 9457 problem documents for the whole API: 400 malformed or incomplete request, 422 a
/// business rule violated, 404 something named does not exist, 409 the current state does not allow the change. Every
/// problem carries <c>errors</c> (field or JSON path → messages) and, when the errors have codes, <c>violations</c>
/// (<c>{code, field, message}</c>).
/// </summary>
public static class ProblemMapping
{
    public const string ValidationType = "https://cablehub.dev/problems/validation";
    public const string MalformedJsonType = "https://cablehub.dev/problems/malformed-json";
    public const string RuleViolationType = "https://cablehub.dev/problems/rule-violation";
    public const string NotFoundType = "https://cablehub.dev/problems/not-found";
    public const string ConflictType = "https://cablehub.dev/problems/conflict";
    public const string ForbiddenType = "https://cablehub.dev/problems/forbidden";

    public const string RequestRejectedType = "https://cablehub.dev/problems/request-rejected";

    /// <summary>A request the server refused while it was read (e.g. 413 when the body is over <c>MaxRequestBodySize</c>), with its status.</summary>
    public static ProblemHttpResult Rejected(BadHttpRequestException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var title = error.StatusCode == StatusCodes.Status413PayloadTooLarge ? "The request body is too large" : "The request was rejected";
        return TypedResults.Problem(new ProblemDetails { Status = error.StatusCode, Title = title, Type = RequestRejectedType, Detail = error.Message });
    }

    /// <summary>The HTTP status of a domain error.</summary>
    public static int StatusOf(DomainException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Kind switch
        {
            ErrorKind.RuleViolated => StatusCodes.Status422UnprocessableEntity,
            ErrorKind.NotFound => StatusCodes.Status404NotFound,
            ErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
    }

    public static ProblemHttpResult ToProblem(DomainException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var status = StatusOf(error);
        var type = error.ProblemType ?? status switch
        {
            StatusCodes.Status422UnprocessableEntity => RuleViolationType,
            StatusCodes.Status404NotFound => NotFoundType,
            StatusCodes.Status409Conflict => ConflictType,
            _ => ValidationType,
        };
        var problem = Problem(status, error.Title, type, error.Errors, detail: error.Detail ?? (error.Errors.Count > 1 ? error.Message : null));
        if (error.Extensions is { } extensions)
        {
            foreach (var (key, value) in extensions)
            {
                problem.ProblemDetails.Extensions[key] = value;
            }
        }

        return problem;
    }

    /// <summary>A problem document with the errors in both shapes (<c>errors</c> by field, <c>violations</c> with codes).</summary>
    public static ProblemHttpResult Problem(int status, string title, string type, IReadOnlyList<DomainError> errors, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var problem = new ProblemDetails { Status = status, Title = title, Type = type, Detail = detail };
        if (errors.Count > 0)
        {
            problem.Extensions["errors"] = errors
                .GroupBy(e => e.Field ?? "$", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(e => e.Code.Length == 0 ? e.Message : $"{e.Code}: {e.Message}").ToArray(), StringComparer.Ordinal);
            if (errors.Any(e => e.Code.Length > 0))
            {
                problem.Extensions["violations"] = errors.Select(e => new Violation(e.Code, e.Field, e.Message)).ToList();
            }
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>400: the request's fields are wrong (messages by field, no codes).</summary>
    public static ProblemHttpResult Invalid(IReadOnlyDictionary<string, string[]> errors, string title = "The request is invalid")
    {
        ArgumentNullException.ThrowIfNull(errors);
        return Problem(StatusCodes.Status400BadRequest, title, ValidationType,
            errors.SelectMany(kv => kv.Value.Select(m => new DomainError("", m, kv.Key))).ToList());
    }

    /// <summary>400 naming one field.</summary>
    public static ProblemHttpResult Invalid(string field, string message, string title = "The request is invalid") =>
        Problem(StatusCodes.Status400BadRequest, title, ValidationType, [new DomainError("", message, field)]);

    /// <summary>404 for <paramref name="what"/> (e.g. <c>productOrder 'x'</c>).</summary>
    public static ProblemHttpResult NotFound(string what) =>
        Problem(StatusCodes.Status404NotFound, $"{what} was not found", NotFoundType, []);

    /// <summary>409 with a sentence.</summary>
    public static ProblemHttpResult Conflict(string title) => Problem(StatusCodes.Status409Conflict, title, ConflictType, []);

    /// <summary>One entry of <c>violations</c>.</summary>
    public sealed record Violation(string Code, string? Field, string Message);
}
