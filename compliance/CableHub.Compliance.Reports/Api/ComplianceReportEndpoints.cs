using CableHub.Compliance.Reports.Signing;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using CableHub.Core.Errors;
using CableHub.Core.Ports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Compliance.Reports.Api;

/// <summary>
/// The compliance reports over the API, the same as <c>./cablehub report …</c>: <c>GET /api/v1/compliance/reports</c> (the
/// profile's reports), <c>POST /api/v1/compliance/reports/{report}/exports</c> (CSV / XLSX / PDF for a month and an
/// as-of instant, each file signed and its hash recorded in the audit log as the caller), <c>GET …/exports/{id}/{file}</c>
/// (a file or its <c>.manifest.json</c>). Access: the compliance-officer role only (<see cref="HubPolicies.ComplianceReports"/>:
/// admin, analysts and clients get 403).
/// </summary>
public static class ComplianceReportEndpoints
{
    public const string BasePath = "/api/v1/compliance/reports";

    /// <summary>
    /// The reports over the warehouse at <paramref name="clickHouseConnectionString"/>; exports under
    /// <paramref name="exportDirectory"/>/&lt;export id&gt;/. Uses the registered <see cref="IExportAuditSink"/> (the audit log)
    /// and, when registered, <see cref="ICasReconciliationLog"/> (the sagas' runs) and <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddComplianceReports(this IServiceCollection services, string clickHouseConnectionString, ComplianceOptions options, string exportDirectory,
        TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clickHouseConnectionString);
        ArgumentNullException.ThrowIfNull(options);
        return services.AddSingleton(sp => new ComplianceReportExports(
            new ComplianceReporter(clickHouseConnectionString, options, new ExportSigner(options.SigningKeyPath), sp.GetRequiredService<IExportAuditSink>(),
                time ?? sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetService<ILoggerFactory>()?.CreateLogger("CableHub.Compliance.Reports") ?? NullLogger.Instance,
                sp.GetService<ICasReconciliationLog>()),
            exportDirectory));
    }

    public static IEndpointRouteBuilder MapComplianceReportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapModuleGroup(BasePath, "compliance").RequireAccess(HubPolicies.ComplianceReports);
        group.MapGet("", ([FromServices] ComplianceReportExports exports) =>
            TypedResults.Ok(new ReportListOut(exports.Options.Profile.ToString(),
                [.. ComplianceOptions.ReportsOf(exports.Options.Profile).Select(k => new ReportOut(ComplianceOptions.Name(k), $"{BasePath}/{ComplianceOptions.Name(k)}/exports"))])));
        group.MapPost("/{report}/exports", async (string report, HttpContext http, [FromServices] ComplianceReportExports exports, CancellationToken ct) =>
        {
            var body = await ApiRequest.ReadJsonAsync<ExportIn>(http, ct).ConfigureAwait(false);
            var done = await exports.ExportAsync(report, body.Month, body.AsOf, body.Formats, body.Broadcaster, HubPrincipal.Actor(http), ct).ConfigureAwait(false);
            return TypedResults.Ok(done);
        });
        group.MapGet("/exports/{id:guid}/{file}", (Guid id, string file, [FromServices] ComplianceReportExports exports) =>
            TypedResults.PhysicalFile(exports.Find(id, file) ?? throw new NotFoundException($"file '{file}' of export {id}", "file", "REPORT-FILE-NOT-FOUND"),
                ContentType(file), file));
        return app;
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".csv" => "text/csv",
        ".xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".pdf" => "application/pdf",
        _ => "application/json",
    };
}

/// <summary>A request for an export: the month (YYYY-MM), optionally the as-of instant, formats (csv, xlsx, pdf; default all three), broadcaster (msr).</summary>
public sealed record ExportIn(string? Month, DateTimeOffset? AsOf, IReadOnlyList<string>? Formats, string? Broadcaster);

public sealed record ReportListOut(string Profile, IReadOnlyList<ReportOut> Reports);

public sealed record ReportOut(string Name, string ExportsHref);

/// <summary>One export: every file with its hash and signature (the same as in the audit log).</summary>
public sealed record ExportOut(Guid ExportId, string Report, string Month, DateTimeOffset AsOf, IReadOnlyList<ExportFileOut> Files);

public sealed record ExportFileOut(string FileName, string Format, long Bytes, string Sha256, string Signature, string KeyId, string Href, string ManifestHref);

/// <summary>Builds and writes report exports for the API, each into its own directory (export id), and finds their files again.</summary>
public sealed class ComplianceReportExports(ComplianceReporter reporter, string exportDirectory)
{
    public ComplianceOptions Options => reporter.Options;

    public async Task<ExportOut> ExportAsync(string report, string? month, DateTimeOffset? asOf, IReadOnlyList<string>? formats, string? broadcaster, string actor, CancellationToken ct)
    {
        ReportKind kind;
        ReportPeriod period;
        IReadOnlyList<ReportFormat> parsed;
        try
        {
            kind = ComplianceOptions.ParseReport(report);
        }
        catch (ArgumentException ex)
        {
            throw new NotFoundException([new DomainError("REPORT-NOT-FOUND", ex.Message, "report")], "The report does not exist");
        }

        try
        {
            period = ReportPeriod.Parse(month ?? throw new RequestInvalidException("month", "name the month as YYYY-MM"));
            parsed = ComplianceReporter.ParseFormats(string.Join(',', formats is { Count: > 0 } ? formats : ["csv", "xlsx", "pdf"]));
        }
        catch (ArgumentException ex)
        {
            throw new RequestInvalidException(ex.Message.StartsWith("--month", StringComparison.Ordinal) ? "month" : "formats", ex.Message.Replace("--", "", StringComparison.Ordinal));
        }

        IReadOnlyList<ReportDocument> documents;
        try
        {
            documents = await reporter.BuildAsync(kind, period, asOf, ct: ct).ConfigureAwait(false);
            if (broadcaster is { Length: > 0 } code)
            {
                documents = [.. documents.Where(d => d.Parameters.TryGetValue("broadcaster", out var b) && string.Equals(b, code, StringComparison.OrdinalIgnoreCase))];
                if (documents.Count == 0)
                {
                    throw new ReportException($"no broadcaster '{code}' in the {period} report");
                }
            }
        }
        catch (ReportException ex)
        {
            throw new RuleViolationException([new DomainError("REPORT-REFUSED", ex.Message, "report")], "The report cannot be made");
        }

        var id = Guid.CreateVersion7();
        var files = await reporter.ExportAsync(documents, parsed, Path.Combine(exportDirectory, id.ToString()), actor, ct: ct).ConfigureAwait(false);
        var href = $"{ComplianceReportEndpoints.BasePath}/exports/{id}/";
        return new ExportOut(id, ComplianceOptions.Name(kind), period.ToString(), documents[0].AsOf,
        [
            .. files.Select(f => new ExportFileOut(Path.GetFileName(f.Path), f.Manifest.Format, f.Manifest.Bytes, f.Manifest.Sha256, f.Manifest.Signature, f.Manifest.KeyId,
                href + Path.GetFileName(f.Path), href + Path.GetFileName(f.Path) + ExportManifest.Suffix)),
        ]);
    }

    /// <summary>The full path of an export's file (or its manifest); null when the export or the file does not exist.</summary>
    public string? Find(Guid exportId, string file)
    {
        if (file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal) || file.StartsWith('.') || file.EndsWith(".partial", StringComparison.Ordinal))
        {
            return null;
        }

        var path = Path.Combine(exportDirectory, exportId.ToString(), file);
        return File.Exists(path) ? path : null;
    }
}
