using Dapper;
using Npgsql;

namespace CableHub.Inventory;

public static class EdiFileStatus
{
    public const string Processing = "processing";
    public const string Processed = "processed";
    public const string Quarantined = "quarantined";
}

/// <summary>A received EDI file (content-addressed by SHA-256; the bytes live in the file store).</summary>
public sealed record EdiFileRecord(
    Guid Id,
    string Sha256,
    long SizeBytes,
    string OriginalName,
    string Source,
    string? Format,
    string Status,
    string? Reason,
    string? InterchangeControl,
    string? SenderId,
    int ShipNotices,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? ProcessedAt);

public sealed record EdiFileArrival(long Id, Guid EdiFileId, string OriginalName, string Source, bool Duplicate, DateTimeOffset At);

/// <summary>An EDI file for a supplier (850 purchase order, 997 acknowledgement).</summary>
public sealed record EdiOutboundFile(
    Guid Id,
    string Kind,
    Guid? SupplierId,
    Guid? PurchaseOrderId,
    Guid? EdiFileId,
    long InterchangeControlNumber,
    string FileName,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExportedAt);

/// <summary>
/// The register of EDI files: arrivals (first and duplicate), processing outcome (processed / quarantined with
/// the reason), and the outbound files for suppliers with control numbers from PostgreSQL sequences.
/// </summary>
public sealed class EdiFileStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, sha256, size_bytes, original_name, source, format, status, reason, interchange_control, sender_id, ship_notices, received_at, processed_at";
    private const string OutboundColumns = "id, kind, supplier_id, purchase_order_id, edi_file_id, interchange_control_number, file_name, created_at, exported_at";

    /// <summary>
    /// Records an arrival of a file. The first arrival of a content creates the file record in state processing and
    /// returns <c>Duplicate = false</c>: the caller processes it. Any later arrival (even concurrent) returns the
    /// existing record with <c>Duplicate = true</c>.
    /// </summary>
    public async Task<(EdiFileRecord File, bool Duplicate)> RegisterArrivalAsync(string sha256, long size, string originalName, string source, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        var created = await conn.QuerySingleOrDefaultAsync<EdiFileRecord>(new CommandDefinition(
            $"""
            INSERT INTO hub.edi_file (id, sha256, size_bytes, original_name, source, status) VALUES (@id, @sha256, @size, @originalName, @source, 'processing')
            ON CONFLICT (sha256) DO NOTHING RETURNING {Columns}
            """, new { id = Guid.CreateVersion7(), sha256, size, originalName, source }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var file = created ?? await conn.QuerySingleAsync<EdiFileRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.edi_file WHERE sha256 = @sha256", new { sha256 }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO hub.edi_file_arrival (edi_file_id, original_name, source, duplicate) VALUES (@id, @originalName, @source, @duplicate)",
            new { id = file.Id, originalName, source, duplicate = created is null }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return (file, created is null);
    }

    /// <summary>Marks the file processed, in the caller's transaction (with the receipts it produced).</summary>
    public static Task MarkProcessedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string format, string? interchangeControl, string? senderId, int shipNotices, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        return conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.edi_file SET status = 'processed', format = @format, interchange_control = @interchangeControl, sender_id = @senderId,
                ship_notices = @shipNotices, reason = NULL, processed_at = now()
            WHERE id = @id
            """, new { id, format, interchangeControl, senderId, shipNotices }, tx, cancellationToken: ct));
    }

    /// <summary>Marks the file quarantined with the reason (and records an EdiFileQuarantined event).</summary>
    public async Task MarkQuarantinedAsync(Guid id, string? format, string reason, string? interchangeControl, string? senderId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await MarkQuarantinedAsync(conn, tx, id, format, reason, interchangeControl, senderId, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    public static async Task MarkQuarantinedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string? format, string reason, string? interchangeControl, string? senderId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE hub.edi_file SET status = 'quarantined', format = @format, reason = @reason, interchange_control = @interchangeControl,
                sender_id = @senderId, processed_at = now()
            WHERE id = @id
            """, new { id, format, reason, interchangeControl, senderId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        await InventorySession.RecordEventAsync(conn, tx, "EdiFileQuarantined", id.ToString(), new { fileId = id, format, reason }, ct).ConfigureAwait(false);
    }

    public async Task<EdiFileRecord?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<EdiFileRecord>(new CommandDefinition($"SELECT {Columns} FROM hub.edi_file WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EdiFileRecord>> ListAsync(string? status = null, int offset = 0, int limit = 100, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<EdiFileRecord>(new CommandDefinition(
            $"SELECT {Columns} FROM hub.edi_file WHERE (@status::text IS NULL OR status = @status) ORDER BY received_at DESC, id DESC OFFSET @offset LIMIT @limit",
            new { status, offset = Math.Max(0, offset), limit = Math.Clamp(limit, 0, 500) }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    public async Task<IReadOnlyList<EdiFileArrival>> ListArrivalsAsync(Guid fileId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<EdiFileArrival>(new CommandDefinition(
            "SELECT id, edi_file_id, original_name, source, duplicate, at FROM hub.edi_file_arrival WHERE edi_file_id = @fileId ORDER BY id",
            new { fileId }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    /// <summary>Files left in state processing (the process stopped while processing them).</summary>
    public async Task<IReadOnlyList<EdiFileRecord>> ListUnfinishedAsync(CancellationToken ct = default) => await ListAsync(EdiFileStatus.Processing, 0, 500, ct).ConfigureAwait(false);

    // ----------------------------------------------------------------------------------------------- outbound

    /// <summary>The next ISA13 and GS06 control numbers (sequences that cycle after 999999999).</summary>
    public static async Task<(long Interchange, long Group)> NextControlNumbersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        return await conn.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "SELECT nextval('hub.edi_interchange_control_seq'), nextval('hub.edi_group_control_seq')", transaction: tx, cancellationToken: ct)).ConfigureAwait(false);
    }

    public static async Task<Guid> AddOutboundAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string kind, Guid? supplierId, Guid? purchaseOrderId, Guid? ediFileId,
        long interchangeControlNumber, string fileName, byte[] content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(conn);
        var id = Guid.CreateVersion7();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.edi_outbound (id, kind, supplier_id, purchase_order_id, edi_file_id, interchange_control_number, file_name, content)
            VALUES (@id, @kind, @supplierId, @purchaseOrderId, @ediFileId, @interchangeControlNumber, @fileName, @content)
            """, new { id, kind, supplierId, purchaseOrderId, ediFileId, interchangeControlNumber, fileName, content }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return id;
    }

    public async Task<IReadOnlyList<EdiOutboundFile>> ListOutboundAsync(string? kind = null, Guid? purchaseOrderId = null, Guid? ediFileId = null, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<EdiOutboundFile>(new CommandDefinition(
            $"""
            SELECT {OutboundColumns} FROM hub.edi_outbound
            WHERE (@kind::text IS NULL OR kind = @kind) AND (@purchaseOrderId::uuid IS NULL OR purchase_order_id = @purchaseOrderId) AND (@ediFileId::uuid IS NULL OR edi_file_id = @ediFileId)
            ORDER BY created_at DESC LIMIT 500
            """, new { kind, purchaseOrderId, ediFileId }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    public async Task<(EdiOutboundFile File, byte[] Content)?> GetOutboundAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var file = await conn.QuerySingleOrDefaultAsync<EdiOutboundFile>(new CommandDefinition($"SELECT {OutboundColumns} FROM hub.edi_outbound WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        if (file is null)
        {
            return null;
        }

        var content = await conn.ExecuteScalarAsync<byte[]>(new CommandDefinition("SELECT content FROM hub.edi_outbound WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        return (file, content!);
    }

    /// <summary>Writes outbound files not yet exported into <paramref name="folder"/> (atomically: temp file + rename) and marks them exported.</summary>
    public async Task<int> ExportPendingAsync(string folder, CancellationToken ct = default)
    {
        Directory.CreateDirectory(folder);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var pending = (await conn.QueryAsync<(Guid Id, string FileName, byte[] Content)>(new CommandDefinition(
            "SELECT id, file_name, content FROM hub.edi_outbound WHERE exported_at IS NULL ORDER BY created_at", cancellationToken: ct)).ConfigureAwait(false)).AsList();
        foreach (var (id, name, content) in pending)
        {
            var path = Path.Combine(folder, Path.GetFileName(name));
            var temp = path + ".part";
            await File.WriteAllBytesAsync(temp, content, ct).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
            await conn.ExecuteAsync(new CommandDefinition("UPDATE hub.edi_outbound SET exported_at = now() WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        }

        return pending.Count;
    }
}
