using CableHub.Catalog.Contracts;
using CableHub.Connectors.Xmltv;
using Npgsql;

namespace CableHub.Epg;

/// <summary>How to import one file: the source (its zone, overlap policy and channel map), with optional overrides.</summary>
public sealed record XmltvImportOptions
{
    public string SourceCode { get; init; } = EpgSource.DefaultCode;

    /// <summary>Overrides the source's overlap policy for this file.</summary>
    public XmltvOverlapPolicy? OverlapPolicy { get; init; }

    /// <summary>Overrides the source's zone of offset-less times (IANA id) for this file.</summary>
    public string? TimeZone { get; init; }

    public int BatchSize { get; init; } = 5000;
}

/// <summary>Progress of an import: bytes of the input consumed and programmes copied so far.</summary>
public readonly record struct XmltvImportProgress(long BytesRead, long ProgrammesWritten);

/// <summary>The stored outcome and the full check report (issues with line numbers) of an import.</summary>
public sealed record XmltvImportOutcome(EpgImportResult Result, EpgCheckReport Report);

/// <summary>
/// Imports XMLTV into the guide: the file is read and normalised on a background thread (<see cref="XmltvBatchReader"/>)
/// while this one COPYs the batches into PostgreSQL, all in one transaction per file (<see cref="EpgImportSession"/>).
/// A file that is not readable XMLTV is rolled back whole; the failure and its line are stored in hub.epg_import.
/// </summary>
public sealed class XmltvGuideImporter(NpgsqlDataSource dataSource, EpgStore store, IChannelDirectory channels, TimeProvider clock)
{
    public async Task<XmltvImportOutcome> ImportFileAsync(string path, XmltvImportOptions? options = null, IProgress<XmltvImportProgress>? progress = null, CancellationToken ct = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 256 * 1024, FileOptions.SequentialScan);
        return await ImportAsync(file, Path.GetFileName(path), options, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Imports <paramref name="input"/> (left open; read synchronously on a background thread, so give it a file or
    /// another stream that allows synchronous reads — not an ASP.NET request body). Throws <see cref="NotFoundException"/> for an unknown source, <see cref="RequestInvalidException"/> for an unknown zone;
    /// a file that is not XMLTV gives a failed result (not an exception) with the line of the fault.
    /// </summary>
    public async Task<XmltvImportOutcome> ImportAsync(Stream input, string fileName, XmltvImportOptions? options = null, IProgress<XmltvImportProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= new XmltvImportOptions();
        var source = await store.GetSourceAsync(options.SourceCode, ct).ConfigureAwait(false)
            ?? throw new NotFoundException($"EPG source '{options.SourceCode}'", "source");
        var zoneId = options.TimeZone ?? source.TimeZone;
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
        {
            throw new RequestInvalidException("timeZone", $"'{zoneId}' is not a known IANA time zone");
        }

        var lineup = await store.LineupMapAsync(source.Code, ct).ConfigureAwait(false);
        var channelIds = lineup.Values.DistinctBy(c => c.Code).ToDictionary(c => c.Code, c => c.Id, StringComparer.Ordinal);
        var normaliser = new XmltvNormaliser(new XmltvNormaliserOptions
        {
            OverlapPolicy = options.OverlapPolicy ?? ParsePolicy(source.OverlapPolicy),
            DefaultDuration = source.DefaultDurationMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null,
            ChannelMap = lineup.ToDictionary(kv => kv.Key, kv => kv.Value.Code, StringComparer.Ordinal),
        });
        var readerOptions = new XmltvReaderOptions { SourceTimeZone = zone == TimeZoneInfo.Utc || zone.Id == "UTC" ? null : zone };
        var counting = new ReadCountingStream(input);

        await using var session = await EpgImportSession.BeginAsync(dataSource, channels, source.Code, fileName, clock, ct).ConfigureAwait(false);
        var mapped = new List<EpgProgramme>(options.BatchSize);
        try
        {
            await foreach (var batch in XmltvBatchReader.ReadBatchesAsync(counting, normaliser, readerOptions, options.BatchSize, leaveOpen: true, cancellationToken: ct).ConfigureAwait(false))
            {
                mapped.Clear();
                foreach (var p in batch)
                {
                    mapped.Add(XmltvGuideMapping.ToEpgProgramme(p, channelIds[p.LineupChannelId]));
                }

                await session.WriteAsync(mapped, ct).ConfigureAwait(false);
                progress?.Report(new XmltvImportProgress(counting.BytesRead, session.Written));
            }
        }
        catch (XmltvFormatException ex)
        {
            var failed = normaliser.BuildReport(fileName, ex);
            var result = await session.FailAsync(ex.Message, ex.LineNumber > 0 ? ex.LineNumber : null, Summary(failed), CancellationToken.None).ConfigureAwait(false);
            return new XmltvImportOutcome(result, failed);
        }
        catch (NpgsqlException ex)
        {
            var partial = normaliser.BuildReport(fileName);
            var result = await session.FailAsync($"database: {ex.Message}", null, Summary(partial), CancellationToken.None).ConfigureAwait(false);
            return new XmltvImportOutcome(result, partial);
        }

        var report = normaliser.BuildReport(fileName);
        progress?.Report(new XmltvImportProgress(counting.BytesRead, session.Written));
        return new XmltvImportOutcome(await session.CommitAsync(Summary(report), ct).ConfigureAwait(false), report);
    }

    public static XmltvOverlapPolicy ParsePolicy(string policy) => policy switch
    {
        EpgOverlapPolicy.Keep => XmltvOverlapPolicy.Keep,
        EpgOverlapPolicy.Drop => XmltvOverlapPolicy.Drop,
        EpgOverlapPolicy.Trim => XmltvOverlapPolicy.Trim,
        _ => throw new RequestInvalidException("overlapPolicy", $"must be one of {string.Join(", ", EpgOverlapPolicy.All)}, not '{policy}'"),
    };

    private static EpgImportSummary Summary(EpgCheckReport report) => new(
        report.Programmes,
        report.ProgrammesSkipped,
        report.Channels.Count(c => c.LineupId is null),
        report.Errors,
        report.Warnings,
        EpgCheckReportFormat.ToJson(report));

    /// <summary>Counts what the reader thread consumed, for progress on the consumer's thread.</summary>
    private sealed class ReadCountingStream(Stream inner) : Stream
    {
        private long _read;

        public long BytesRead => Interlocked.Read(ref _read);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int n)
        {
            Interlocked.Add(ref _read, n);
            return n;
        }
    }
}
