using System.Globalization;
using System.Security.Cryptography;
using CableHub.Connectors.Edi;
using CableHub.Connectors.Edi.Edifact;
using CableHub.Connectors.Edi.Receipts;
using CableHub.Connectors.Edi.ShipNotices;
using CableHub.Connectors.Edi.X12;
using Dapper;
using Npgsql;
using Microsoft.Extensions.Logging;

namespace CableHub.Inventory.Edi;

public enum EdiIntakeOutcome
{
    /// <summary>Parsed and applied: receipts recorded (and a 997 kept for an X12 sender).</summary>
    Processed,

    /// <summary>Rejected with a reason; nothing applied; the file is in the quarantine folder.</summary>
    Quarantined,

    /// <summary>The same content arrived before: reported, not applied again.</summary>
    Duplicate,
}

/// <summary>What happened to one file.</summary>
public sealed record EdiIntakeResult(EdiIntakeOutcome Outcome, EdiFileRecord File, IReadOnlyList<Guid> ReceiptIds, string? Reason)
{
    public Guid? AcknowledgementId { get; init; }
}

/// <summary>
/// The one way supplier EDI files come in (inbox folder, upload endpoint, <c>edi import</c>): the bytes are streamed
/// to the content-addressed store while hashed (SHA-256), the arrival is registered (a content seen before is a
/// duplicate and is not applied again), then the file is parsed (X12 856 / 997 or EDIFACT DESADV) and either
/// applied — every ship notice reconciled against its purchase order and recorded as receipts, the received
/// serials put in stock, the file marked processed, and a 997 kept for the supplier, all in ONE transaction —
/// or quarantined with the reason (errors name segment and position), with nothing applied.
/// </summary>
public sealed class EdiIntake(NpgsqlDataSource dataSource, EdiOptions options, TimeProvider clock, ILogger<EdiIntake> logger)
{
    private readonly EdiFileStore _files = new(dataSource);

    public EdiOptions Options => options;

    /// <summary>Takes in the content of <paramref name="content"/> (read to the end, never held whole in memory).</summary>
    public async Task<EdiIntakeResult> IngestAsync(Stream content, string originalName, string source, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var (sha, size, path) = await StoreAsync(content, ct).ConfigureAwait(false);
        var name = string.IsNullOrWhiteSpace(originalName) ? sha[..12] + ".edi" : Path.GetFileName(originalName);
        var (file, duplicate) = await _files.RegisterArrivalAsync(sha, size, name, source, ct).ConfigureAwait(false);
        if (duplicate)
        {
            logger.LogInformation("EDI file {Name} ({Sha}) from {Source} is a duplicate of {FileId} ({Status}); not applied again", name, sha[..12], source, file.Id, file.Status);
            return new EdiIntakeResult(EdiIntakeOutcome.Duplicate, file, [], $"the same content was received before as {file.OriginalName} on {file.ReceivedAt:u} ({file.Status})");
        }

        _ = path;
        return await ProcessAsync(file, ct).ConfigureAwait(false);
    }

    public async Task<EdiIntakeResult> IngestFileAsync(string path, string source, CancellationToken ct = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await IngestAsync(stream, Path.GetFileName(path), source, ct).ConfigureAwait(false);
    }

    /// <summary>Processes files left in state processing by a stopped process (their content is in the store).</summary>
    public async Task<int> ResumeUnfinishedAsync(CancellationToken ct = default)
    {
        var unfinished = await _files.ListUnfinishedAsync(ct).ConfigureAwait(false);
        foreach (var file in unfinished)
        {
            logger.LogWarning("Resuming EDI file {Name} ({FileId}) left unfinished", file.OriginalName, file.Id);
            await ProcessAsync(file, ct).ConfigureAwait(false);
        }

        return unfinished.Count;
    }

    /// <summary>Writes outbound files (850, 997) not yet in the outbox folder.</summary>
    public Task<int> ExportOutboxAsync(CancellationToken ct = default) => _files.ExportPendingAsync(options.OutboxDirectory, ct);

    public string StoredPath(string sha256) => Path.Combine(options.StoreDirectory, sha256[..2], sha256 + ".edi");

    private async Task<(string Sha, long Size, string Path)> StoreAsync(Stream content, CancellationToken ct)
    {
        var tmpDir = Path.Combine(options.StoreDirectory, "tmp");
        Directory.CreateDirectory(tmpDir);
        var temp = Path.Combine(tmpDir, Guid.NewGuid().ToString("N") + ".part");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        try
        {
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                    size += read;
                }
            }

            var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            var path = StoredPath(sha);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (File.Exists(path))
            {
                File.Delete(temp);
            }
            else
            {
                File.Move(temp, path, overwrite: true);
            }

            return (sha, size, path);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private async Task<EdiIntakeResult> ProcessAsync(EdiFileRecord file, CancellationToken ct)
    {
        var path = StoredPath(file.Sha256);
        EdiFormat format;
        await using (var head = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            var buffer = new byte[256];
            var n = await head.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            format = EdiDocumentParser.Detect(buffer.AsSpan(0, n));
        }

        return format switch
        {
            EdiFormat.X12 => await ProcessX12Async(file, path, ct).ConfigureAwait(false),
            EdiFormat.Edifact => await ProcessEdifactAsync(file, path, ct).ConfigureAwait(false),
            _ => await QuarantineAsync(file, null, "not an EDI file: it starts with neither an X12 ISA segment nor an EDIFACT UNA/UNB segment", null, null, ct).ConfigureAwait(false),
        };
    }

    private async Task<EdiIntakeResult> ProcessX12Async(EdiFileRecord file, string path, CancellationToken ct)
    {
        X12Document document;
        try
        {
            document = X12Parser.ParseFile(path, new X12ReaderOptions { ErrorMode = EdiErrorMode.Collect });
        }
        catch (EdiParseException ex)
        {
            return await QuarantineAsync(file, "X12", ex.Error.Message, null, null, ct).ConfigureAwait(false);
        }

        var first = document.Interchanges.FirstOrDefault();
        var control = first?.Header.ControlNumber;
        var sender = first?.Header.SenderId.Trim();
        if (document.Interchanges.Count == 0)
        {
            return await QuarantineAsync(file, "X12", "the file holds no complete interchange", null, null, ct).ConfigureAwait(false);
        }

        var errors = document.AllErrors.ToList();
        var unsupported = document.Transactions.Where(t => t.TransactionSetId is not ("856" or "997")).ToList();
        if (errors.Count > 0 || unsupported.Count > 0)
        {
            var reason = errors.Count > 0
                ? Reason(errors)
                : string.Create(CultureInfo.InvariantCulture, $"transaction set {unsupported[0].TransactionSetId} {unsupported[0].ControlNumber} (segment {unsupported[0].SegmentNumber}) is not accepted here: suppliers send 856 ship notices (and 997 acknowledgements)");
            // The sender still gets its 997 (rejections with AK3/AK4/AK5 codes) when the file was readable as X12.
            return await QuarantineAsync(file, "X12", reason, control, sender, ct, document).ConfigureAwait(false);
        }

        var notices = document.Interchanges
            .SelectMany(i => i.Groups.SelectMany(g => g.Transactions).Where(t => t.ShipNotice is not null).Select(t => ShipNoticeMapper.FromX12(t, i.Header)))
            .ToList();
        return await ApplyAsync(file, "X12", notices, control, sender, document, ct).ConfigureAwait(false);
    }

    private async Task<EdiIntakeResult> ProcessEdifactAsync(EdiFileRecord file, string path, CancellationToken ct)
    {
        EdifactDocument document;
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            document = EdifactParser.Parse(stream, new EdifactReaderOptions { ErrorMode = EdiErrorMode.Collect });
        }
        catch (EdiParseException ex)
        {
            return await QuarantineAsync(file, "EDIFACT", ex.Error.Message, null, null, ct).ConfigureAwait(false);
        }

        var first = document.Interchanges.FirstOrDefault();
        var control = first?.Header.ControlReference;
        var sender = first?.Header.SenderId;
        var errors = document.AllErrors.ToList();
        var unsupported = document.Messages.Where(m => m.DespatchAdvice is null).ToList();
        if (document.Interchanges.Count == 0)
        {
            return await QuarantineAsync(file, "EDIFACT", "the file holds no complete interchange", null, null, ct).ConfigureAwait(false);
        }

        if (errors.Count > 0 || unsupported.Count > 0)
        {
            var reason = errors.Count > 0
                ? Reason(errors)
                : string.Create(CultureInfo.InvariantCulture, $"message {unsupported[0].Type} {unsupported[0].Reference} (segment {unsupported[0].SegmentNumber}) is not accepted here: suppliers send DESADV despatch advices");
            return await QuarantineAsync(file, "EDIFACT", reason, control, sender, ct).ConfigureAwait(false);
        }

        var notices = document.Interchanges
            .SelectMany(i => i.Messages.Where(m => m.DespatchAdvice is not null).Select(m => ShipNoticeMapper.FromDesadv(m, i.Header)))
            .ToList();
        return await ApplyAsync(file, "EDIFACT", notices, control, sender, null, ct).ConfigureAwait(false);
    }

    private static string Reason(List<EdiError> errors)
    {
        var shown = string.Join("; ", errors.Take(5).Select(e => e.Message));
        return errors.Count > 5 ? string.Create(CultureInfo.InvariantCulture, $"{shown}; and {errors.Count - 5} more error(s)") : shown;
    }

    private async Task<EdiIntakeResult> ApplyAsync(EdiFileRecord file, string format, IReadOnlyList<ShipNotice> notices, string? control, string? sender, X12Document? x12, CancellationToken ct)
    {
        var receiptIds = new List<Guid>();
        Guid? ackId = null;
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            var actor = new InventoryActor("edi:" + (sender ?? "unknown"), $"ship notice file {file.OriginalName}");
            foreach (var notice in notices)
            {
                receiptIds.AddRange(await ApplyNoticeAsync(conn, tx, file, notice, actor, ct).ConfigureAwait(false));
            }

            if (x12 is not null)
            {
                ackId = await AddAcknowledgementsAsync(conn, tx, file, x12, ct).ConfigureAwait(false);
            }

            await EdiFileStore.MarkProcessedAsync(conn, tx, file.Id, format, control, sender, notices.Count, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InventoryRuleException or PostgresException { SqlState: [ '2', '3', .. ] } or ArgumentException)
        {
            // A rule or a constraint of the data (not of the server) rejects the file: nothing was applied.
            return await QuarantineAsync(file, format, $"could not be applied: {ex.Message}", control, sender, ct).ConfigureAwait(false);
        }

        await TryExportAsync(ct).ConfigureAwait(false);
        var processed = (await _files.GetAsync(file.Id, ct).ConfigureAwait(false))!;
        logger.LogInformation("EDI file {Name} ({Format}) processed: {Notices} ship notice(s), {Receipts} receipt(s)", file.OriginalName, format, notices.Count, receiptIds.Count);
        return new EdiIntakeResult(EdiIntakeOutcome.Processed, processed, receiptIds, null) { AcknowledgementId = ackId };
    }

    private async Task<IReadOnlyList<Guid>> ApplyNoticeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, EdiFileRecord file, ShipNotice notice, InventoryActor actor, CancellationToken ct)
    {
        var numbers = notice.Orders.Select(o => o.PurchaseOrderNumber).OfType<string>().ToList();
        var expectations = await ReceiptStore.GetExpectationsAsync(conn, tx, numbers, ct).ConfigureAwait(false);
        var ids = new List<Guid>();
        foreach (var data in expectations)
        {
            var serials = notice.Orders
                .Where(o => string.Equals(o.PurchaseOrderNumber?.Trim(), data.Order.Number, StringComparison.OrdinalIgnoreCase))
                .SelectMany(o => o.Packages).SelectMany(p => p.Items).SelectMany(i => i.SerialNumbers).Select(s => s.Trim()).Distinct(StringComparer.Ordinal).ToList();
            var existing = await ReceiptStore.ExistingSerialsAsync(conn, tx, serials, data.Order.Id, ct).ConfigureAwait(false);
            var expectation = ReceiptMapping.ToExpectation(data, existing);
            var report = ReceiptReconciler.Reconcile(expectation, notice);
            var receipt = ReceiptMapping.ToReceipt(data, report, notice);
            ids.Add(await ReceiptStore.ApplyAsync(conn, tx, receipt, file.Id, actor, ct).ConfigureAwait(false));
        }

        // Orders of the notice that match no purchase order: recorded (nothing put in stock) for people to sort out.
        var known = expectations.Select(e => e.Order.Number).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var order in notice.Orders.Where(o => o.PurchaseOrderNumber is null || !known.Contains(o.PurchaseOrderNumber.Trim())))
        {
            var location = await DefaultLocationAsync(conn, tx, ct).ConfigureAwait(false);
            ids.Add(await ReceiptStore.ApplyAsync(conn, tx, ReceiptMapping.Unmatched(notice, order, location), file.Id, actor, ct).ConfigureAwait(false));
        }

        return ids;
    }

    private async Task<Guid> DefaultLocationAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct) =>
        await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM hub.stock_location WHERE kind = 'warehouse' ORDER BY (code = @code) DESC, created_at, code LIMIT 1",
            new { code = options.DefaultReceivingLocation ?? "" }, tx, cancellationToken: ct)).ConfigureAwait(false)
        ?? throw new InventoryRuleException("there is no warehouse to receive into");

    private async Task<Guid?> AddAcknowledgementsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, EdiFileRecord file, X12Document document, CancellationToken ct)
    {
        Guid? last = null;
        foreach (var interchange in document.Interchanges.Where(i => i.Groups.Any(g => g.Header.FunctionalIdCode != "FA")))
        {
            var (isa, gs) = await EdiFileStore.NextControlNumbersAsync(conn, tx, ct).ConfigureAwait(false);
            var bytes = X12FunctionalAcknowledgement.ToBytes(interchange, new X12AcknowledgementOptions(isa, gs, clock.GetUtcNow()));
            var senderId = interchange.Header.SenderId.Trim();
            var supplierId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
                "SELECT id FROM hub.supplier WHERE x12_id = @senderId LIMIT 1", new { senderId }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var name = string.Create(CultureInfo.InvariantCulture, $"997_{Safe(senderId)}_{interchange.Header.ControlNumber.Trim()}_{isa:D9}.x12");
            last = await EdiFileStore.AddOutboundAsync(conn, tx, "997", supplierId, null, file.Id, isa, name, bytes, ct).ConfigureAwait(false);
        }

        return last;
    }

    private async Task<EdiIntakeResult> QuarantineAsync(EdiFileRecord file, string? format, string reason, string? control, string? sender, CancellationToken ct, X12Document? rejected = null)
    {
        Guid? ackId = null;
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        {
            await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
            if (rejected is not null)
            {
                ackId = await AddAcknowledgementsAsync(conn, tx, file, rejected, ct).ConfigureAwait(false);
            }

            await EdiFileStore.MarkQuarantinedAsync(conn, tx, file.Id, format, reason, control, sender, ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        Directory.CreateDirectory(options.QuarantineDirectory);
        var target = Path.Combine(options.QuarantineDirectory, $"{file.Sha256[..12]}_{Safe(file.OriginalName)}");
        File.Copy(StoredPath(file.Sha256), target, overwrite: true);
        await File.WriteAllTextAsync(target + ".reason.txt", $"{file.OriginalName} ({file.Sha256}, {file.Source}, received {file.ReceivedAt:u}){Environment.NewLine}{reason}{Environment.NewLine}", ct).ConfigureAwait(false);
        await TryExportAsync(ct).ConfigureAwait(false);
        logger.LogWarning("EDI file {Name} quarantined: {Reason}", file.OriginalName, reason);
        return new EdiIntakeResult(EdiIntakeOutcome.Quarantined, (await _files.GetAsync(file.Id, ct).ConfigureAwait(false))!, [], reason) { AcknowledgementId = ackId };
    }

    private async Task TryExportAsync(CancellationToken ct)
    {
        try
        {
            await ExportOutboxAsync(ct).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "Could not write the EDI outbox folder {Folder}; will retry", options.OutboxDirectory);
        }
        catch (UnauthorizedAccessException ex)
        {
            logger.LogWarning(ex, "Could not write the EDI outbox folder {Folder}; will retry", options.OutboxDirectory);
        }
    }

    internal static string Safe(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
}
