using CableHub.Core.Api;
using CableHub.Connectors.Xmltv;
using CableHub.Core.Epg;
using CableHub.Host.Api.Catalog;
using Microsoft.AspNetCore.Http.Features;

namespace CableHub.Host.Api.Epg;

/// <summary>
/// The guide for the portal and STB middleware (now/next, schedules, XMLTV of the line-up or of what a subscriber or box
/// is entitled to) and its administration (sources, channel maps, imports). Reads for everyone; changes need catalog-admin.
/// </summary>
public static class EpgEndpoints
{
    public const string BasePath = "/api/v1/epg";

    private const string XmlContentType = "application/xml; charset=utf-8";

    public static RouteGroupBuilder MapEpg(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(BasePath).WithTags("EPG");
        group.MapGet("/now-next", (HttpContext http, EpgStore store, CancellationToken ct) =>
            NowNextAsync(http, store, CatalogApi.List(http, "channels") is { } codes ? new GuideAudience.Channels(codes) : GuideAudience.All, ct));
        group.MapGet("/customers/{customerId:guid}/now-next", (Guid customerId, HttpContext http, EpgStore store, CancellationToken ct) =>
            NowNextAsync(http, store, new GuideAudience.Customer(customerId), ct));
        group.MapGet("/devices/{device}/now-next", (string device, HttpContext http, EpgStore store, CancellationToken ct) =>
            NowNextAsync(http, store, new GuideAudience.Device(device), ct));
        group.MapGet("/schedule", (HttpContext http, EpgStore store, TimeProvider clock, CancellationToken ct) =>
            ScheduleAsync(http, store, CatalogApi.List(http, "channels") is { } codes ? new GuideAudience.Channels(codes) : GuideAudience.All, clock, ct));
        group.MapGet("/channels/{code}/programmes", async (string code, HttpContext http, EpgStore store, TimeProvider clock, CancellationToken ct) =>
            (await store.ChannelsAsync(new GuideAudience.Channels([code]), ct: ct).ConfigureAwait(false)).Count == 0
                ? Problems.NotFound($"channel '{code}'")
                : await ScheduleAsync(http, store, new GuideAudience.Channels([code]), clock, ct).ConfigureAwait(false));
        group.MapGet("/xmltv", (HttpContext http, XmltvGuideExporter exporter, CancellationToken ct) =>
            ExportAsync(http, exporter, CatalogApi.List(http, "channels") is { } codes ? new GuideAudience.Channels(codes) : GuideAudience.All, ct));
        group.MapGet("/customers/{customerId:guid}/xmltv", (Guid customerId, HttpContext http, XmltvGuideExporter exporter, CancellationToken ct) =>
            ExportAsync(http, exporter, new GuideAudience.Customer(customerId), ct));
        group.MapGet("/devices/{device}/xmltv", (string device, HttpContext http, XmltvGuideExporter exporter, CancellationToken ct) =>
            ExportAsync(http, exporter, new GuideAudience.Device(device), ct));

        group.MapGet("/imports", async (EpgStore store, CancellationToken ct) =>
            Results.Ok((await store.ListImportsAsync(100, ct).ConfigureAwait(false)).Select(i => i with { ReportJson = null })));
        group.MapGet("/imports/{id:guid}", async (Guid id, EpgStore store, CancellationToken ct) =>
            await store.GetImportAsync(id, ct).ConfigureAwait(false) is { } import
                ? Results.Text(ImportJson(import), "application/json; charset=utf-8")
                : Problems.NotFound($"EPG import '{id}'"));
        group.MapPost("/imports", ImportAsync).RequireRole(CatalogApi.CatalogAdmin);
        group.MapGet("/sources", async (EpgStore store, CancellationToken ct) => Results.Ok(await store.ListSourcesAsync(ct).ConfigureAwait(false)));
        group.MapPut("/sources/{code}", SaveSourceAsync).RequireRole(CatalogApi.CatalogAdmin);
        group.MapGet("/sources/{code}/channel-map", async (string code, EpgStore store, CancellationToken ct) =>
            await store.GetSourceAsync(code, ct).ConfigureAwait(false) is null
                ? Problems.NotFound($"EPG source '{code}'")
                : Results.Ok(await store.GetChannelMapAsync(code, ct).ConfigureAwait(false)));
        group.MapPut("/sources/{code}/channel-map", SaveChannelMapAsync).RequireRole(CatalogApi.CatalogAdmin);
        return group;
    }

    /// <summary><c>?at=</c> (default now), <c>?lang=</c>.</summary>
    private static async Task<IResult> NowNextAsync(HttpContext http, EpgStore store, GuideAudience audience, CancellationToken ct)
    {
        if (!CatalogApi.TryInstant(http, "at", out var at, out var problem))
        {
            return problem!;
        }

        return Results.Ok(await store.NowNextAsync(audience, at, http.Request.Query["lang"].FirstOrDefault(), ct).ConfigureAwait(false));
    }

    /// <summary><c>?from=</c> (default now), <c>?to=</c> (default from + 24 h, at most 14 days later), <c>?lang=</c>.</summary>
    private static async Task<IResult> ScheduleAsync(HttpContext http, EpgStore store, GuideAudience audience, TimeProvider clock, CancellationToken ct)
    {
        if (!CatalogApi.TryInstant(http, "from", out var from, out var problem) || !CatalogApi.TryInstant(http, "to", out var to, out problem))
        {
            return problem!;
        }

        var start = from ?? clock.GetUtcNow();
        var end = to ?? start.AddHours(24);
        if (end <= start)
        {
            return CatalogApi.Invalid("to", "must be after from");
        }

        if (end - start > TimeSpan.FromDays(14))
        {
            return CatalogApi.Invalid("to", "the range may span at most 14 days (use /xmltv for bulk)");
        }

        return Results.Ok(await store.ScheduleAsync(audience, start, end, http.Request.Query["lang"].FirstOrDefault(), ct: ct).ConfigureAwait(false));
    }

    /// <summary>Streams XMLTV; <c>?from=&amp;to=</c> limit the programmes.</summary>
    private static async Task<IResult> ExportAsync(HttpContext http, XmltvGuideExporter exporter, GuideAudience audience, CancellationToken ct)
    {
        if (!CatalogApi.TryInstant(http, "from", out var from, out var problem) || !CatalogApi.TryInstant(http, "to", out var to, out problem))
        {
            return problem!;
        }

        http.Response.ContentType = XmlContentType;
        await exporter.ExportAsync(http.Response.Body, audience, from, to, ct).ConfigureAwait(false);
        return Results.Empty;
    }

    /// <summary>
    /// The body is an XMLTV file (plain or gzip, any size: it is spooled to a temporary file, then imported in one
    /// transaction). <c>?source=</c> (default "default"), <c>?policy=keep|trim|drop</c>, <c>?timeZone=</c> override the source.
    /// 201 with the import's outcome; 422 when the file is not readable XMLTV (the line is given, nothing was imported).
    /// </summary>
    private static async Task<IResult> ImportAsync(HttpContext http, XmltvGuideImporter importer, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var q = http.Request.Query;
        XmltvOverlapPolicy? policy = null;
        if (q["policy"].FirstOrDefault() is { Length: > 0 } p)
        {
            if (!EpgOverlapPolicy.All.Contains(p))
            {
                return CatalogApi.Invalid("policy", $"must be one of {string.Join(", ", EpgOverlapPolicy.All)}, not '{p}'");
            }

            policy = XmltvGuideImporter.ParsePolicy(p);
        }

        var fileName = q["fileName"].FirstOrDefault() ?? "upload.xml";
        var spool = Path.Combine(Path.GetTempPath(), $"cablehub-epg-{Guid.NewGuid():N}.xml");
        try
        {
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 256 * 1024, FileOptions.Asynchronous))
            {
                await http.Request.Body.CopyToAsync(file, ct).ConfigureAwait(false);
            }

            if (new FileInfo(spool).Length == 0)
            {
                return CatalogApi.Invalid("body", "is empty: send the XMLTV file as the request body");
            }

            return await CatalogApi.RunAsync(async () =>
            {
                var outcome = await importer.ImportFileAsync(spool, new XmltvImportOptions
                {
                    SourceCode = q["source"].FirstOrDefault() ?? EpgSource.DefaultCode,
                    OverlapPolicy = policy,
                    TimeZone = q["timeZone"].FirstOrDefault(),
                }, ct: ct).ConfigureAwait(false);
                var resource = ImportResource.Of(outcome, fileName);
                if (outcome.Result.Succeeded)
                {
                    return Results.Created($"{BasePath}/imports/{outcome.Result.ImportId}", resource);
                }

                return Results.Problem(
                    title: "The file was not imported",
                    detail: outcome.Result.Error,
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    type: "https://cablehub.dev/problems/epg-import",
                    extensions: new Dictionary<string, object?>
                    {
                        ["importId"] = outcome.Result.ImportId,
                        ["line"] = outcome.Result.ErrorLine,
                        ["errors"] = new Dictionary<string, string[]> { ["body"] = [outcome.Result.ErrorLine is { } line ? $"line {line}: {outcome.Report.Fatal?.Reason ?? outcome.Result.Error}" : outcome.Result.Error ?? "failed"] },
                    });
            }).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(spool);
        }
    }

    private static async Task<IResult> SaveSourceAsync(string code, HttpContext http, EpgStore store, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<SourceBody>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        return await CatalogApi.RunAsync(async () => Results.Ok(await store.SaveSourceAsync(new EpgSource(code, body.Name ?? code, body.TimeZone ?? "UTC",
            body.OverlapPolicy ?? EpgOverlapPolicy.Trim, body.DefaultDurationMinutes), ct).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private static async Task<IResult> SaveChannelMapAsync(string code, HttpContext http, EpgStore store, CancellationToken ct)
    {
        var (body, problem) = await CatalogApi.ReadAsync<List<EpgChannelMapping?>>(http, ct).ConfigureAwait(false);
        if (body is null)
        {
            return problem!;
        }

        for (var i = 0; i < body.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(body[i]?.SourceChannelId))
            {
                return CatalogApi.Invalid($"[{i}].sourceChannelId", "is required");
            }

            if (string.IsNullOrWhiteSpace(body[i]?.ChannelCode))
            {
                return CatalogApi.Invalid($"[{i}].channelCode", "is required");
            }
        }

        if (await store.GetSourceAsync(code, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound($"EPG source '{code}'");
        }

        return await CatalogApi.RunAsync(async () =>
        {
            await store.SetChannelMapAsync(code, body.Select(m => m!).ToList(), ct).ConfigureAwait(false);
            return Results.Ok(await store.GetChannelMapAsync(code, ct).ConfigureAwait(false));
        }).ConfigureAwait(false);
    }

    /// <summary>The import record with its stored check report inline (as JSON, not as a string).</summary>
    private static string ImportJson(EpgImportRecord import)
    {
        var json = System.Text.Json.JsonSerializer.SerializeToNode(import with { ReportJson = null }, System.Text.Json.JsonSerializerOptions.Web)!.AsObject();
        json.Remove("reportJson");
        if (import.ReportJson is { } report)
        {
            json["report"] = System.Text.Json.Nodes.JsonNode.Parse(report);
        }

        return json.ToJsonString();
    }

    public sealed record SourceBody(string? Name, string? TimeZone, string? OverlapPolicy, int? DefaultDurationMinutes);

    /// <summary>An import's outcome for the API: counts, window, and the first issues (with line numbers).</summary>
    public sealed record ImportResource(
        Guid ImportId,
        string Status,
        string FileName,
        long ProgrammesInFile,
        long Inserted,
        long Replaced,
        long Trimmed,
        long Skipped,
        int Channels,
        int UnknownChannels,
        DateTimeOffset? From,
        DateTimeOffset? To,
        int Errors,
        int Warnings,
        IReadOnlyList<string> Issues)
    {
        public static ImportResource Of(XmltvImportOutcome outcome, string fileName)
        {
            ArgumentNullException.ThrowIfNull(outcome);
            var r = outcome.Result;
            var report = outcome.Report;
            return new ImportResource(r.ImportId, r.Status, fileName, report.Programmes, r.Inserted, r.Replaced, r.Trimmed, report.ProgrammesSkipped, r.Channels,
                report.Channels.Count(c => c.LineupId is null), r.From, r.To, report.Errors, report.Warnings,
                report.Issues.Where(i => i.Severity != XmltvIssueSeverity.Info).Take(50).Select(i => i.ToString()).ToList());
        }
    }
}
