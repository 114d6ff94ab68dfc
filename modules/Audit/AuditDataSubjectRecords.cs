using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Audit;

/// <summary>
/// What the Audit module holds on a customer (access export): the audit log rows naming them (changes to their records,
/// personal fields redacted as stored) and their data-subject requests.
/// </summary>
internal sealed class AuditDataSubjectRecords(NpgsqlDataSource dataSource) : IDataSubjectRecords
{
    public int Order => 90;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT at, actor, action, table_name, row_key, before::text AS before, after::text AS after FROM hub.audit_log WHERE customer_id = @customerId ORDER BY id;
            SELECT kind, received_at, due_at, status, extended_reason, closed_at, outcome FROM hub.data_subject_request WHERE customer_id = @customerId ORDER BY received_at;
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        var log = await grid.ReadAsync().ConfigureAwait(false);
        var requests = await grid.ReadAsync().ConfigureAwait(false);
        return new DataSubjectSection("Audit log", "audit", "accountability: who changed what about the customer, when (GDPR art. 5(2))",
            [DataSubjectTable.From("audit log entries", log), DataSubjectTable.From("data-subject requests", requests)]);
    }
}
