using System.Text.Json;
using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Audit;

/// <summary>One row of <c>hub.audit_log</c> (before/after and detail as JSON text).</summary>
public sealed class AuditRecord
{
    public long Id { get; init; }

    public DateTimeOffset At { get; init; }

    public string Actor { get; init; } = "";

    public string Action { get; init; } = "";

    public string? TableName { get; init; }

    public string? RowKey { get; init; }

    public Guid? CustomerId { get; init; }

    public string? Before { get; init; }

    public string? After { get; init; }

    public string? Detail { get; init; }

    public long? ChainSeq { get; init; }
}

/// <summary>What to list: a customer (every row naming them), a table and row key, an actor, a time range.</summary>
public sealed record AuditQuery(Guid? CustomerId = null, string? Table = null, string? RowKey = null, string? Actor = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 1000);

/// <summary>The first link of the chain that does not hold: position, row, and why (<c>rows missing before it</c>,
/// <c>row changed after it was sealed</c>, <c>link broken</c>: the row before was rewritten with a new hash).</summary>
public sealed class AuditBrokenLink
{
    public long ChainSeq { get; init; }

    public long Id { get; init; }

    public DateTimeOffset At { get; init; }

    public string? TableName { get; init; }

    public string? RowKey { get; init; }

    public string Reason { get; init; } = "";

    public override string ToString() =>
        $"chain position {ChainSeq} (id {Id}, {At:O}, {TableName ?? "export"} {RowKey}): {Reason}";
}

/// <summary>The result of <see cref="AuditLog.VerifyAsync"/>.</summary>
public sealed record AuditVerification(long SealedRows, long UnsealedRows, long? LastChainSeq, string? LastHash, AuditBrokenLink? FirstBroken)
{
    public bool Intact => FirstBroken is null;
}

/// <summary>
/// The audit log (<c>hub.audit_log</c>): the audited tables' triggers write the changes with their actor and before/after
/// images; this class seals them into the hash chain, verifies the chain, lists rows for an auditor, and records every
/// compliance export (<see cref="IExportAuditSink"/>). The table refuses UPDATE (other than sealing), DELETE and TRUNCATE.
/// </summary>
public sealed class AuditLog(NpgsqlDataSource dataSource) : IExportAuditSink
{
    /// <summary>Seals every committed unsealed row (in batches); returns how many were sealed.</summary>
    public async Task<long> SealAsync(CancellationToken ct = default)
    {
        long total = 0;
        while (true)
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            var sealedNow = await conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT hub.audit_seal(10000)", cancellationToken: ct)).ConfigureAwait(false);
            total += sealedNow;
            if (sealedNow < 10000)
            {
                return total;
            }
        }
    }

    /// <summary>Recomputes every sealed row's hash and link in chain order; names the first one that does not hold.</summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var counts = await conn.QuerySingleAsync<(long Sealed, long Unsealed, long? Last)>(new CommandDefinition(
            "SELECT count(chain_seq), count(*) - count(chain_seq), max(chain_seq) FROM hub.audit_log", cancellationToken: ct)).ConfigureAwait(false);
        var lastHash = await conn.ExecuteScalarAsync<byte[]?>(new CommandDefinition(
            "SELECT row_hash FROM hub.audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1", cancellationToken: ct)).ConfigureAwait(false);
        var broken = await conn.QueryFirstOrDefaultAsync<AuditBrokenLink>(new CommandDefinition(
            """
            SELECT chain_seq AS ChainSeq, id, at, table_name AS TableName, row_key AS RowKey,
                   CASE WHEN chain_seq <> coalesce(seq_before, 0) + 1 THEN 'rows missing before it (expected position ' || (coalesce(seq_before, 0) + 1) || ')'
                        WHEN row_hash <> expected_hash THEN 'row changed after it was sealed'
                        ELSE 'link broken: prev_hash is not the hash of the row before (that row was rewritten)' END AS Reason
            FROM (
                SELECT l.id, l.at, l.table_name, l.row_key, l.chain_seq, l.prev_hash, l.row_hash,
                       lag(l.chain_seq) OVER w AS seq_before,
                       coalesce(lag(l.row_hash) OVER w, '\x'::bytea) AS expected_prev,
                       hub.audit_hash(l.prev_hash, l.chain_seq, l.id, l.at, l.actor, l.action, l.table_name, l.row_key, l.customer_id, l.before, l.after, l.detail) AS expected_hash
                FROM hub.audit_log l WHERE l.chain_seq IS NOT NULL
                WINDOW w AS (ORDER BY l.chain_seq)) c
            WHERE chain_seq <> coalesce(seq_before, 0) + 1 OR row_hash <> expected_hash OR prev_hash <> expected_prev
            ORDER BY chain_seq LIMIT 1
            """, cancellationToken: ct)).ConfigureAwait(false);
        return new AuditVerification(counts.Sealed, counts.Unsealed, counts.Last, lastHash is null ? null : Convert.ToHexStringLower(lastHash), broken);
    }

    /// <summary>Rows matching <paramref name="query"/>, oldest first.</summary>
    public async Task<IReadOnlyList<AuditRecord>> ListAsync(AuditQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return (await conn.QueryAsync<AuditRecord>(new CommandDefinition(
            """
            SELECT id, at, actor, action, table_name AS TableName, row_key AS RowKey, customer_id AS CustomerId,
                   before::text AS Before, after::text AS After, detail::text AS Detail, chain_seq AS ChainSeq
            FROM hub.audit_log
            WHERE (@customerId::uuid IS NULL OR customer_id = @customerId)
              AND (@table::text IS NULL OR table_name = @table)
              AND (@rowKey::text IS NULL OR row_key = @rowKey)
              AND (@actor::text IS NULL OR actor = @actor)
              AND (@from::timestamptz IS NULL OR at >= @from)
              AND (@to::timestamptz IS NULL OR at < @to)
            ORDER BY id LIMIT @limit
            """,
            new { query.CustomerId, query.Table, query.RowKey, query.Actor, query.From, query.To, limit = Math.Clamp(query.Limit, 1, 100_000) },
            cancellationToken: ct)).ConfigureAwait(false)).ToList();
    }

    /// <summary>An export: who, which report and file, its SHA-256, parameters, as-of time and manifest signature.</summary>
    public async Task RecordAsync(ExportAuditRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        var detail = JsonSerializer.Serialize(new
        {
            report = record.Report,
            file = record.FileName,
            sha256 = record.Sha256,
            bytes = record.Bytes,
            asOf = record.AsOf,
            exportedAt = record.ExportedAt,
            parameters = record.Parameters,
            manifestSignature = record.ManifestSignature,
        });
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO hub.audit_log (at, actor, action, row_key, customer_id, detail) VALUES (@at, @actor, 'export', @file, @customer, @detail::jsonb)",
            new
            {
                at = record.ExportedAt, actor = record.Actor, file = record.FileName, detail,
                // An export about one customer (a data-subject access export) names them, so `audit log --customer` finds it.
                customer = record.Parameters.TryGetValue("customerId", out var c) && Guid.TryParse(c, out var customerId) ? customerId : (Guid?)null,
            }, cancellationToken: ct)).ConfigureAwait(false);
    }
}
