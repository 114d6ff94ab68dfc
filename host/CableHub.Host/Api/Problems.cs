using System.Text.Json;

namespace CableHub.Host.Api;

/// <summary>RFC 9457 problem documents for the API's error answers.</summary>
public static class Problems
{
    public static IResult Validation(IDictionary<string, string[]> errors, string title = "The request is invalid") =>
        Results.ValidationProblem(errors, title: title, type: "https://cablehub.dev/problems/validation");

    /// <summary>The body is not JSON (or not the expected shape): name the place and the reason.</summary>
    public static IResult MalformedJson(JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
        var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : "";
        return Results.ValidationProblem(
            new Dictionary<string, string[]> { [path] = [$"malformed JSON{where}: {FirstSentence(ex.Message)}"] },
            title: "The request body is not valid JSON",
            type: "https://cablehub.dev/problems/malformed-json");
    }

    public static IResult NotFound(string what) =>
        Results.Problem(title: $"{what} was not found", statusCode: StatusCodes.Status404NotFound, type: "https://cablehub.dev/problems/not-found");

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
