using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Inventory.Edi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Inventory.Api;

/// <summary>
/// Supplier EDI over HTTP: upload a file (raw body, streamed to the store — the same intake as the inbox folder),
/// the register of received files with their outcome, arrivals and receipts, and the outbound 850 / 997 files.
/// </summary>
public static class EdiEndpoints
{
    public const string BasePath = "/api/edi";

    internal static void Map(IEndpointRouteBuilder app)
    {
        var read = app.MapModuleGroup(BasePath, "Supplier EDI").RequireAccess(HubPolicies.InventoryRead);
        var write = app.MapModuleGroup(BasePath, "Supplier EDI").RequireAccess(HubPolicies.InventoryWrite);
        write.MapPost("/files", UploadAsync);
        read.MapGet("/files", async (HttpContext http, string? status, EdiFileStore files, CancellationToken ct) =>
        {
            var page = PageRequest.From(http);
            return TypedResults.Ok(await files.ListAsync(status, page.Offset, page.Limit, ct).ConfigureAwait(false));
        });
        read.MapGet("/files/{id:guid}", GetFileAsync);
        read.MapGet("/files/{id:guid}/content", ContentAsync);
        read.MapGet("/outbound", async (string? kind, Guid? purchaseOrderId, Guid? ediFileId, EdiFileStore files, CancellationToken ct) =>
            TypedResults.Ok(await files.ListOutboundAsync(kind, purchaseOrderId, ediFileId, ct).ConfigureAwait(false)));
        read.MapGet("/outbound/{id:guid}", async (Guid id, EdiFileStore files, CancellationToken ct) =>
            await files.GetOutboundAsync(id, ct).ConfigureAwait(false) is { } f
                ? TypedResults.File(f.Content, "application/edi-x12", f.File.FileName)
                : throw new NotFoundException($"outbound EDI file '{id}'"));
    }

    /// <summary>
    /// <c>POST /api/edi/files?name=FILE</c> with the file as the raw body: 201 processed, 200 duplicate (not applied
    /// again), 422 quarantined (the problem names the reason). The body is streamed, never held whole.
    /// </summary>
    [RawBody("application/edi-x12", "application/edifact", "application/octet-stream")]
    private static async Task<Results<Created<EdiUploadResult>, Ok<EdiUploadResult>>> UploadAsync(string? name, HttpContext http, EdiIntake intake, InventorySettings settings, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = settings.MaxUploadMegabytes * 1024L * 1024L;
        }

        if (http.Request.ContentLength == 0)
        {
            throw new RequestInvalidException("$", "the body is empty: send the EDI file as the raw request body");
        }

        var result = await intake.IngestAsync(http.Request.Body, name ?? "upload.edi", "upload", ct).ConfigureAwait(false);
        var body = new EdiUploadResult(result.Outcome.ToString().ToLowerInvariant(), result.File, result.ReceiptIds.Select(r => $"/api/inventory/receipts/{r}").ToList(),
            result.Reason, result.AcknowledgementId is { } a ? $"{BasePath}/outbound/{a}" : null);
        return result.Outcome switch
        {
            EdiIntakeOutcome.Processed => TypedResults.Created($"{BasePath}/files/{result.File.Id}", body),
            EdiIntakeOutcome.Duplicate => TypedResults.Ok(body),
            _ => throw new EdiQuarantinedException(result),
        };
    }

    private static async Task<Ok<EdiFileResource>> GetFileAsync(Guid id, EdiFileStore files, ReceiptStore receipts, CancellationToken ct)
    {
        var file = await files.GetAsync(id, ct).ConfigureAwait(false) ?? throw new NotFoundException($"EDI file '{id}'");
        return TypedResults.Ok(new EdiFileResource(
            file,
            await files.ListArrivalsAsync(id, ct).ConfigureAwait(false),
            await receipts.ListAsync(null, id, 0, 500, ct).ConfigureAwait(false),
            await files.ListOutboundAsync("997", null, id, ct).ConfigureAwait(false)));
    }

    private static async Task<PhysicalFileHttpResult> ContentAsync(Guid id, EdiFileStore files, EdiIntake intake, CancellationToken ct)
    {
        var file = await files.GetAsync(id, ct).ConfigureAwait(false);
        var path = file is null ? null : intake.StoredPath(file.Sha256);
        return path is null || !File.Exists(path) ? throw new NotFoundException($"EDI file '{id}'") : TypedResults.PhysicalFile(path, "application/octet-stream", file!.OriginalName);
    }

    /// <summary>The file was quarantined (422 with the reason and the file record); nothing was applied.</summary>
    private sealed class EdiQuarantinedException(EdiIntakeResult result)
        : DomainException(ErrorKind.RuleViolated, "The EDI file was quarantined; nothing was applied", [new DomainError("EDI-QUARANTINED", result.Reason ?? "quarantined", "$")])
    {
        public override string? ProblemType => "https://cablehub.dev/problems/edi-quarantined";

        public override string? Detail => result.Reason;

        public override IReadOnlyDictionary<string, object?>? Extensions => new Dictionary<string, object?> { ["file"] = result.File };
    }
}

public sealed record EdiUploadResult(string Outcome, EdiFileRecord File, IReadOnlyList<string> Receipts, string? Reason, string? Acknowledgement);

public sealed record EdiFileResource(EdiFileRecord File, IReadOnlyList<EdiFileArrival> Arrivals, IReadOnlyList<ReceiptInfo> Receipts, IReadOnlyList<EdiOutboundFile> Acknowledgements);
