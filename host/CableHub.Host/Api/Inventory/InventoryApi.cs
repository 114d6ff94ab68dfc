using System.Text.Json;
using CableHub.Core.Inventory;

namespace CableHub.Host.Api.Inventory;

/// <summary>Shared helpers of the inventory and EDI endpoints: bodies, actors, rule errors as problem documents.</summary>
internal static class InventoryApi
{
    /// <summary>Who acts: the <c>X-Actor</c> header (e.g. <c>clerk:asha</c>), else "api".</summary>
    public static string Actor(HttpContext http) =>
        http.Request.Headers.TryGetValue("X-Actor", out var actor) && !string.IsNullOrWhiteSpace(actor) ? actor.ToString().Trim() : "api";

    public static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpContext http, CancellationToken ct)
        where T : class
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, JsonSerializerOptions.Web, ct).ConfigureAwait(false);
            return body is null
                ? (null, Problems.Validation(new Dictionary<string, string[]> { ["$"] = ["the body must be a JSON object, not null"] }))
                : (body, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.MalformedJson(ex));
        }
    }

    public static IResult Invalid(string field, string message, string title = "The request is invalid") =>
        Problems.Validation(new Dictionary<string, string[]> { [field] = [message] }, title);

    /// <summary>Runs an inventory operation; rule violations become 400 (409 for lifecycle / state conflicts), missing things 404.</summary>
    public static async Task<IResult> RunAsync(Func<Task<IResult>> action, string field = "$")
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (InventoryNotFoundException ex)
        {
            return Results.Problem(title: ex.Message, statusCode: StatusCodes.Status404NotFound, type: "https://cablehub.dev/problems/not-found");
        }
        catch (InvalidTransitionException ex)
        {
            return Problems.Validation(new Dictionary<string, string[]> { [field] = [ex.Message] }, "The lifecycle change is not allowed");
        }
        catch (InventoryRuleException ex)
        {
            return Problems.Validation(new Dictionary<string, string[]> { [field] = [ex.Message] }, "The request breaks an inventory rule");
        }
    }
}
