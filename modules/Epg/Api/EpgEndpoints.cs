using CableHub.Connectors.Xmltv;
using CableHub.Core.Api;
using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace CableHub.Epg.Api;

/// <summary>
/// The guide for the portal and STB middleware (now/next, schedules, XMLTV of the line-up or of what a subscriber or box
/// is entitled to) and its administration (sources, channel maps, imports). The line-up's guide is public; a customer's or box's guide is its owner's (or staff); administration needs catalog.read / catalog.write.
/// Errors are answered by the one problem mapping.
/// </summary>
public static class EpgEndpoints
{
    public const string BasePath = "/api/v1/epg";

    private const string XmlContentType = "application/xml; charset=utf-8";

    /// <summary>Why the line-up's guide is public: it is what any set-top box and the website show to everyone.</summary>
    internal const string PublicGuide = "public guide: the line-up's programme schedule is shown on every box, portal and listing site";

    internal static IEndpointRouteBuilder MapEpg(IEndpointRouteBuilder app)
    {
        var group = app.MapModuleGroup(BasePath, "EPG").AllowAnonymousBecause(PublicGuide);
        group.MapGet("/now-next", (HttpContext http, EpgStore store, CancellationToken ct) =>
            NowNextAsync(http, store, ApiRequest.List(http, "channels") is { } codes ? new GuideAudience.Channels(codes) : GuideAudience.All, ct));
        group.MapGet("/schedule", (HttpContext http, EpgStore store, TimeProvider clock, CancellationToken ct) =>
            ScheduleAsync(http, store, ApiRequest.List(http, "channels") is { } codes ? new GuideAudience.Channels(codes) : GuideAudience.All, clock, ct));
        group.MapGet("/channels/{code}/programmes", async (string code, HttpContext http, EpgStore store, TimeProvider clock, CancellationToken ct) =>
            (await store.ChannelsAsync(new GuideAudience.Channels([code]), ct: ct).ConfigureAwait(false)).Count == 0
                ? throw new NotFoundException($"channel '{code}'")
                : await ScheduleAsync(http, store, new GuideAudience.Channels([code]), clock, ct).ConfigureAwait(false));
        group.MapGet("/xmltv", (HttpContext http, XmltvGuideExporter exporter, CancellationToken ct) =>
            ExportAsync(http, exporter, ApiRequest.List(http, "channels") is { } codes ? new GuideAudience.Channels(codes) : GuideAudience.All, ct));

        var customer = app.MapModuleGroup(BasePath, "EPG").RequireOwnerOrStaff(HubPolicies.CustomerRead, "customerId", OwnedKinds.Customer);
        customer.MapGet("/customers/{customerId:guid}/now-next", (Guid customerId, HttpContext http, EpgStore store, CancellationToken ct) =>
            NowNextAsync(http, store, new GuideAudience.Customer(customerId), ct));
        customer.MapGet("/customers/{customerId:guid}/xmltv", (Guid customerId, HttpContext http, XmltvGuideExporter exporter, CancellationToken ct) =>
            ExportAsync(http, exporter, new GuideAudience.Customer(customerId), ct));

        var device = app.MapModuleGroup(BasePath, "EPG").RequireOwnerOrStaff(HubPolicies.CustomerRead, "device", OwnedKinds.Device);
        device.MapGet("/devices/{device}/now-next", (string device, HttpContext http, EpgStore store, CancellationToken ct) =>
            NowNextAsync(http, store, new GuideAudience.Device(device), ct));
        device.MapGet("/devices/{device}/xmltv", (string device, HttpContext http, XmltvGuideExporter exporter, CancellationToken ct) =>
            ExportAsync(http, exporter, new GuideAudience.Device(device), ct));

        var admin = app.MapModuleGroup(BasePath, "EPG").RequireAccess(HubPolicies.CatalogRead);
        admin.MapGet("/imports", async (EpgStore store, CancellationToken ct) =>
            TypedResults.Ok((await store.ListImportsAsync(100, ct).ConfigureAwait(false)).Select(i => i with { ReportJson = null })));
        admin.MapGet("/imports/{id:guid}", async (Guid id, EpgStore store, CancellationToken ct) =>
            TypedResults.Text(ImportJson(await store.GetImportAsync(id, ct).ConfigureAwait(false) ?? throw new NotFoundException($"EPG import '{id}'")), "application/json; charset=utf-8"));
        admin.MapGet("/sources", async (EpgStore store, CancellationToken ct) => TypedResults.Ok(await store.ListSourcesAsync(ct).ConfigureAwait(false)));
        admin.MapGet("/sources/{code}/channel-map", async (string code, EpgStore store, CancellationToken ct) =>
            await store.GetSourceAsync(code, ct).ConfigureAwait(false) is null
                ? throw new NotFoundException($"EPG source '{code}'")
                : TypedResults.Ok(await store.GetChannelMapAsync(code, ct).ConfigureAwait(false)));

        var write = app.MapModuleGroup(BasePath, "EPG").RequireAccess(HubPolicies.CatalogWrite);
        write.MapPost("/imports", ImportAsync);
        write.MapPut("/sources/{code}", SaveSourceAsync);
        write.MapPut("/sources/{code}/channel-map", SaveChannelMapAsync);
        return app;
    }

    /// <summary><c>?at=</c> (default now), <c>?lang=</c>.</summary>
    private static async Task<Ok<IReadOnlyList<NowNext>>> NowNextAsync(HttpContext http, EpgStore store, GuideAudience audience, CancellationToken ct) =>
        TypedResults.Ok(await store.NowNextAsync(audience, ApiRequest.Instant(http, "at"), ApiRequest.Query(http, "lang"), ct).ConfigureAwait(false));

    /// <summary><c>?from=</c> (default now), <c>?to=</c> (default from + 24 h, at most 14 days later), <c>?lang=</c>.</summary>
    private static async Task<Ok<IReadOnlyList<GuideProgramme>>> ScheduleAsync(HttpContext http, EpgStore store, GuideAudience audience, TimeProvider clock, CancellationToken ct)
    {
        var from = ApiRequest.Instant(http, "from");
        var to = ApiRequest.Instant(http, "to");
        var start = from ?? clock.GetUtcNow();
        var end = to ?? start.AddHours(24);
        if (end <= start)
        {
            throw new RequestInvalidException("to", "must be after from");
        }

        if (end - start > TimeSpan.FromDays(14))
        {
            throw new RequestInvalidException("to", "the range may span at most 14 days (use /xmltv for bulk)");
        }

        return TypedResults.Ok(await store.ScheduleAsync(audience, start, end, ApiRequest.Query(http, "lang"), ct: ct).ConfigureAwait(false));
    }

    /// <summary>Streams XMLTV; <c>?from=&amp;to=</c> limit the programmes.</summary>
    private static async Task<EmptyHttpResult> ExportAsync(HttpContext http, XmltvGuideExporter exporter, GuideAudience audience, CancellationToken ct)
    {
        var from = ApiRequest.Instant(http, "from");
        var to = ApiRequest.Instant(http, "to");
        http.Response.ContentType = XmlContentType;
        await exporter.ExportAsync(http.Response.Body, audience, from, to, ct).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    /// <summary>
    /// The body is an XMLTV file (plain or gzip, any size: it is spooled to a temporary file, then imported in one
    /// transaction). <c>?source=</c> (default "default"), <c>?policy=keep|trim|drop</c>, <c>?timeZone=</c> override the source.
    /// 201 with the import's outcome; 422 when the file is not readable XMLTV (the line is given, nothing was imported).
    /// </summary>
    [RawBody("application/xml", "text/xml")]
    private static async Task<Created<ImportResource>> ImportAsync(HttpContext http, XmltvGuideImporter importer, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        XmltvOverlapPolicy? policy = null;
        if (ApiRequest.Query(http, "policy") is { Length: > 0 } p)
        {
            if (!EpgOverlapPolicy.All.Contains(p))
            {
                throw new RequestInvalidException("policy", $"must be one of {string.Join(", ", EpgOverlapPolicy.All)}, not '{p}'");
            }

            policy = XmltvGuideImporter.ParsePolicy(p);
        }

        var fileName = ApiRequest.Query(http, "fileName") ?? "upload.xml";
        var spool = Path.Combine(Path.GetTempPath(), $"cablehub-epg-{Guid.NewGuid():N}.xml");
        try
        {
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 256 * 1024, FileOptions.Asynchronous))
            {
                await http.Request.Body.CopyToAsync(file, ct).ConfigureAwait(false);
            }

            if (new FileInfo(spool).Length == 0)
            {
                throw new RequestInvalidException("body", "is empty: send the XMLTV file as the request body");
            }

            var outcome = await importer.ImportFileAsync(spool, new XmltvImportOptions
            {
                SourceCode = ApiRequest.Query(http, "source") ?? EpgSource.DefaultCode,
                OverlapPolicy = policy,
                TimeZone = ApiRequest.Query(http, "timeZone"),
            }, ct: ct).ConfigureAwait(false);
            return outcome.Result.Succeeded
                ? TypedResults.Created($"{BasePath}/imports/{outcome.Result.ImportId}", ImportResource.Of(outcome, fileName))
                : throw new EpgImportFailedException(outcome);
        }
        finally
        {
            File.Delete(spool);
        }
    }

    [JsonBody<SourceBody>]
    private static async Task<Ok<EpgSource>> SaveSourceAsync(string code, HttpContext http, EpgStore store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<SourceBody>(http, ct).ConfigureAwait(false);
        return TypedResults.Ok(await store.SaveSourceAsync(new EpgSource(code, body.Name ?? code, body.TimeZone ?? "UTC",
            body.OverlapPolicy ?? EpgOverlapPolicy.Trim, body.DefaultDurationMinutes), ct).ConfigureAwait(false));
    }

    [JsonBody<List<EpgChannelMapping>>]
    private static async Task<Ok<IReadOnlyList<EpgChannelMapping>>> SaveChannelMapAsync(string code, HttpContext http, EpgStore store, CancellationToken ct)
    {
        var body = await ApiRequest.ReadJsonAsync<List<EpgChannelMapping?>>(http, ct).ConfigureAwait(false);
        var errors = new RequestErrors();
        for (var i = 0; i < body.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(body[i]?.SourceChannelId))
            {
                errors.Add($"[{i}].sourceChannelId", "is required");
            }

            if (string.IsNullOrWhiteSpace(body[i]?.ChannelCode))
            {
                errors.Add($"[{i}].channelCode", "is required");
            }
        }

        errors.ThrowIfAny();
        if (await store.GetSourceAsync(code, ct).ConfigureAwait(false) is null)
        {
            throw new NotFoundException($"EPG source '{code}'");
        }

        await store.SetChannelMapAsync(code, body.Select(m => m!).ToList(), ct).ConfigureAwait(false);
        return TypedResults.Ok(await store.GetChannelMapAsync(code, ct).ConfigureAwait(false));
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

    /// <summary>The file was not imported (not readable XMLTV): 422 with the import's id and the line of the fault; nothing was written.</summary>
    private sealed class EpgImportFailedException(XmltvImportOutcome outcome)
        : DomainException(ErrorKind.RuleViolated, "The file was not imported",
            [new DomainError("", outcome.Result.ErrorLine is { } line ? $"line {line}: {outcome.Report.Fatal?.Reason ?? outcome.Result.Error}" : outcome.Result.Error ?? "failed", "body")])
    {
        public override string? ProblemType => "https://cablehub.dev/problems/epg-import";

        public override string? Detail => outcome.Result.Error;

        public override IReadOnlyDictionary<string, object?>? Extensions => new Dictionary<string, object?>
        {
            ["importId"] = outcome.Result.ImportId,
            ["line"] = outcome.Result.ErrorLine,
        };
    }
}
