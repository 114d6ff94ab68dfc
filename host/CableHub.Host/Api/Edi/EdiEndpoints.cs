using CableHub.Core.Inventory;
using CableHub.Host.Configuration;
using CableHub.Host.Inventory;
using Microsoft.AspNetCore.Http.Features;

namespace CableHub.Host.Api.Edi;

/// <summary>
/// Supplier EDI over HTTP: upload a file (raw body, streamed to the store — the same intake as the inbox folder),
/// the register of received files with their outcome, arrivals and receipts, and the outbound 850 / 997 files.
/// </summary>
public static class EdiEndpoints
{
    public const string BasePath = "/api/edi";

    public static RouteGroupBuilder MapEdi(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup(BasePath).WithTags("Supplier EDI");
        g.MapPost("/files", UploadAsync);
        g.MapGet("/files", async (string? status, int? offset, int? limit, EdiFileStore files, CancellationToken ct) =>
            Results.Ok(await files.ListAsync(status, offset ?? 0, limit ?? 100, ct).ConfigureAwait(false)));
        g.MapGet("/files/{id:guid}", GetFileAsync);
        g.MapGet("/files/{id:guid}/content", ContentAsync);
        g.MapGet("/outbound", async (string? kind, Guid? purchaseOrderId, Guid? ediFileId, EdiFileStore files, CancellationToken ct) =>
            Results.Ok(await files.ListOutboundAsync(kind, purchaseOrderId, ediFileId, ct).ConfigureAwait(false)));
        g.MapGet("/outbound/{id:guid}", async (Guid id, EdiFileStore files, CancellationToken ct) =>
            await files.GetOutboundAsync(id, ct).ConfigureAwait(false) is { } f ? Results.File(f.Content, "application/edi-x12", f.File.FileName) : Problems.NotFound($"outbound EDI file '{id}'"));
        return g;
    }

    /// <summary>
    /// <c>POST /api/edi/files?name=FILE</c> with the file as the raw body: 201 processed, 200 duplicate (not applied
    /// again), 422 quarantined (the problem names the reason). The body is streamed, never held whole.
    /// </summary>
    private static async Task<IResult> UploadAsync(string? name, HttpContext http, EdiIntake intake, InventorySettings settings, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxUploadMegabytes * 1024L * 1024L;
        }

        if (http.Request.ContentLength == 0)
        {
            return InventoryApiProblems.Invalid("$", "the body is empty: send the EDI file as the raw request body");
        }

        var result = await intake.IngestAsync(http.Request.Body, name ?? "upload.edi", "upload", ct).ConfigureAwait(false);
        var body = new EdiUploadResult(result.Outcome.ToString().ToLowerInvariant(), result.File, result.ReceiptIds.Select(r => $"/api/inventory/receipts/{r}").ToList(),
            result.Reason, result.AcknowledgementId is { } a ? $"{BasePath}/outbound/{a}" : null);
        return result.Outcome switch
        {
            EdiIntakeOutcome.Processed => Results.Created($"{BasePath}/files/{result.File.Id}", body),
            EdiIntakeOutcome.Duplicate => Results.Ok(body),
            _ => Results.Problem(title: "The EDI file was quarantined; nothing was applied", detail: result.Reason, statusCode: StatusCodes.Status422UnprocessableEntity,
                type: "https://cablehub.dev/problems/edi-quarantined", extensions: new Dictionary<string, object?> { ["file"] = result.File }),
        };
    }

    private static async Task<IResult> GetFileAsync(Guid id, EdiFileStore files, ReceiptStore receipts, CancellationToken ct)
    {
        var file = await files.GetAsync(id, ct).ConfigureAwait(false);
        if (file is null)
        {
            return Problems.NotFound($"EDI file '{id}'");
        }

        return Results.Ok(new
        {
            file,
            arrivals = await files.ListArrivalsAsync(id, ct).ConfigureAwait(false),
            receipts = await receipts.ListAsync(null, id, 0, 500, ct).ConfigureAwait(false),
            acknowledgements = await files.ListOutboundAsync("997", null, id, ct).ConfigureAwait(false),
        });
    }

    private static async Task<IResult> ContentAsync(Guid id, EdiFileStore files, EdiIntake intake, CancellationToken ct)
    {
        var file = await files.GetAsync(id, ct).ConfigureAwait(false);
        var path = file is null ? null : intake.StoredPath(file.Sha256);
        return path is null || !File.Exists(path) ? Problems.NotFound($"EDI file '{id}'") : Results.File(path, "application/octet-stream", file!.OriginalName);
    }
}

public sealed record EdiUploadResult(string Outcome, EdiFileRecord File, IReadOnlyList<string> Receipts, string? Reason, string? Acknowledgement);

internal static class InventoryApiProblems
{
    public static IResult Invalid(string field, string message) => Problems.Validation(new Dictionary<string, string[]> { [field] = [message] });
}
