using CableHub.Compliance.Reports.Signing;
using CableHub.Compliance.Reports.Writers;
using CableHub.Core.Ports;
using Microsoft.Extensions.Logging;

namespace CableHub.Compliance.Reports;

/// <summary>One written export.</summary>
public sealed record ExportedFile(string Path, ReportFormat Format, ExportManifest Manifest);

/// <summary>
/// Makes the reports of the configured regulatory profile and exports them: each file written under a temporary name
/// and moved into place when complete, then signed (SHA-256 + HMAC manifest beside it), then recorded through
/// <see cref="IExportAuditSink"/> (the audit log; a log line until it exists).
/// </summary>
public sealed class ComplianceReporter(string connectionString, ComplianceOptions options, ExportSigner signer, IExportAuditSink audit, TimeProvider time, ILogger logger,
    ICasReconciliationLog? reconciliation = null)
{
    public ComplianceOptions Options => options;

    /// <summary>
    /// The documents of report <paramref name="kind"/> for <paramref name="month"/>. Registers are as of
    /// <paramref name="asOf"/> (default: the end of the month, or now while the month runs); the monthly subscription
    /// report is as of its last snapshot.
    /// </summary>
    public async Task<IReadOnlyList<ReportDocument>> BuildAsync(ReportKind kind, ReportPeriod month, DateTimeOffset? asOf = null, IProgress<string>? progress = null, CancellationToken ct = default)
    {
        if (!ComplianceOptions.ReportsOf(options.Profile).Contains(kind))
        {
            throw new ReportException($"the {ComplianceOptions.Name(kind)} report is not part of the {options.Profile} profile (Compliance:Profile={options.Profile}: " +
                                      $"{string.Join(", ", ComplianceOptions.ReportsOf(options.Profile).Select(ComplianceOptions.Name))})");
        }

        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.ReportingTimeZone);
        var now = time.GetUtcNow();
        var end = month.EndUtc(zone);
        var effective = asOf ?? (end < now ? end : now);
        if (effective > now)
        {
            throw new ReportException($"--as-of {effective.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is in the future: a report can only be as of a time that has passed");
        }

        if (effective <= month.StartUtc(zone))
        {
            throw new ReportException($"--as-of {effective.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is before {month} began");
        }

        switch (kind)
        {
            case ReportKind.Msr:
                return await new MonthlySubscriptionReport(connectionString, options, time, logger).BuildAsync(month, progress, ct).ConfigureAwait(false);
            case ReportKind.Subscribers:
                progress?.Report("reading the subscriber register");
                return [await new Registers(connectionString, options).SubscribersAsync(month, effective, ct).ConfigureAwait(false)];
            case ReportKind.Activations:
                progress?.Report("reading the activation register");
                return [await new Registers(connectionString, options).ActivationsAsync(month, effective, ct).ConfigureAwait(false)];
            case ReportKind.Revenue:
                progress?.Report("reading the revenue register");
                return [await new RevenueRegister(connectionString, options).BuildAsync(month, effective, ct).ConfigureAwait(false)];
            case ReportKind.Reconciliation:
                progress?.Report("reading the last reconciliation run");
                return [await new ReconciliationReport(reconciliation ?? throw new ReportException("the reconciliation log is not available here (it is in the hub's database)"), options)
                    .BuildAsync(month, effective, ct).ConfigureAwait(false)];
            case ReportKind.AllIn:
                progress?.Report("checking the US bills' all-in price lines");
                return [await new AllInPriceCheck(connectionString, options).BuildAsync(month, effective, ct).ConfigureAwait(false)];
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>Writes every document in every format into <paramref name="directory"/>, signs and records each file.</summary>
    public async Task<IReadOnlyList<ExportedFile>> ExportAsync(IReadOnlyList<ReportDocument> documents, IReadOnlyList<ReportFormat> formats, string directory, string actor,
        IProgress<(int Done, int Total, string File)>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(formats);
        Directory.CreateDirectory(directory);
        var files = new List<ExportedFile>();
        var total = documents.Count * formats.Count;
        foreach (var document in documents)
        {
            foreach (var format in formats)
            {
                ct.ThrowIfCancellationRequested();
                var path = Path.Combine(directory, document.FileStem + "." + format.ToString().ToLowerInvariant());
                progress?.Report((files.Count, total, Path.GetFileName(path)));
                var partial = path + ".partial";
                try
                {
                    await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16))
                    {
                        switch (format)
                        {
                            case ReportFormat.Csv:
                                CsvReportWriter.Write(document, stream);
                                break;
                            case ReportFormat.Xlsx:
                                XlsxReportWriter.Write(document, stream);
                                break;
                            case ReportFormat.Pdf:
                                PdfReportWriter.Write(document, stream, options.PdfMaxRows);
                                break;
                            default:
                                throw new ArgumentOutOfRangeException(nameof(formats));
                        }

                        await stream.FlushAsync(ct).ConfigureAwait(false);
                    }

                    File.Move(partial, path, overwrite: true);
                }
                finally
                {
                    File.Delete(partial);
                }

                var manifest = signer.Sign(path, document, format, actor, time.GetUtcNow());
                await audit.RecordAsync(new ExportAuditRecord(actor, manifest.Report, manifest.File, manifest.Sha256, manifest.Bytes, manifest.AsOf,
                    manifest.Parameters, manifest.Signature, manifest.GeneratedAt), ct).ConfigureAwait(false);
                files.Add(new ExportedFile(path, format, manifest));
            }
        }

        progress?.Report((files.Count, total, string.Empty));
        return files;
    }

    /// <summary>Parses <c>csv</c>, <c>xlsx</c>, <c>pdf</c>, or several separated by commas.</summary>
    public static IReadOnlyList<ReportFormat> ParseFormats(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(f =>
            Enum.TryParse<ReportFormat>(f, ignoreCase: true, out var format) && Enum.IsDefined(format)
                ? format
                : throw new ArgumentException($"--format '{f}' is not csv, xlsx or pdf")).Distinct()];
}
