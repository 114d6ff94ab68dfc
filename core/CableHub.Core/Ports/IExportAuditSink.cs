using Microsoft.Extensions.Logging;

namespace CableHub.Core.Ports;

/// <summary>
/// Records every compliance export (report file) in the audit log: who made it, when, which report with which
/// parameters and as-of time, and the file's SHA-256 — so an auditor can tell a file handed out from one altered
/// later. The hash-chained audit log (module Audit, <c>AuditLog</c>) implements it; <see cref="LoggingExportAuditSink"/> writes a log line (benchmarks).
/// </summary>
/// <remarks>Called once per file, after the file and its signed manifest are complete on disk.</remarks>
public interface IExportAuditSink
{
    Task RecordAsync(ExportAuditRecord record, CancellationToken ct);
}

/// <summary>One exported file.</summary>
/// <param name="Actor">Who asked for it (the token's subject over the API; the OS user on the CLI).</param>
/// <param name="Report">Report kind (e.g. <c>msr</c>, <c>subscribers</c>, <c>activations</c>).</param>
/// <param name="FileName">File name as written (no directory).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file's bytes.</param>
/// <param name="Bytes">File length.</param>
/// <param name="AsOf">The instant the report's data is as of (reproducible for it).</param>
/// <param name="Parameters">The query parameters (period, broadcaster, profile, time zone, …) as text.</param>
/// <param name="ManifestSignature">The manifest's HMAC-SHA256 (hex), binding hash, parameters and as-of time.</param>
/// <param name="ExportedAt">When the file was written (UTC).</param>
public sealed record ExportAuditRecord(
    string Actor,
    string Report,
    string FileName,
    string Sha256,
    long Bytes,
    DateTimeOffset AsOf,
    IReadOnlyDictionary<string, string> Parameters,
    string ManifestSignature,
    DateTimeOffset ExportedAt);

/// <summary>The default <see cref="IExportAuditSink"/> until the audit log exists: one structured log line per export.</summary>
public sealed class LoggingExportAuditSink(ILogger<LoggingExportAuditSink> logger) : IExportAuditSink
{
    public Task RecordAsync(ExportAuditRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        logger.LogInformation(
            "Export {Report} {File} ({Bytes} bytes, sha256 {Sha256}) as of {AsOf:o} by {Actor}; parameters {Parameters}; manifest signature {Signature}",
            record.Report, record.FileName, record.Bytes, record.Sha256, record.AsOf, record.Actor,
            string.Join(", ", record.Parameters.Select(p => $"{p.Key}={p.Value}")), record.ManifestSignature);
        return Task.CompletedTask;
    }
}
