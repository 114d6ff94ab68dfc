using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Identity;

/// <summary>
/// What the Identity module holds on a customer (access export): their subscriber sign-in account (no secrets) and the
/// access audit rows about them — their sign-ins and every read of their personal data by staff or clients.
/// </summary>
internal sealed class IdentityDataSubjectRecords(NpgsqlDataSource dataSource) : IDataSubjectRecords
{
    public int Order => 80;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var user = (await conn.QueryAsync(new CommandDefinition(
            "SELECT id, user_name, kind, activated_at, disabled_at, locked_until, created_at, updated_at FROM hub.identity_user WHERE customer_id = @customerId",
            new { customerId }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        var userId = user.Count > 0 ? (Guid?)((IDictionary<string, object?>)user[0])["id"] : null;
        var userName = user.Count > 0 ? (string?)((IDictionary<string, object?>)user[0])["user_name"] : null;
        var audit = await conn.QueryAsync(new CommandDefinition(
            """
            SELECT at, event, outcome, actor, subject, source_address, route, status, detail FROM hub.access_audit
            WHERE subject = @userIdText OR subject LIKE @aboutCustomer OR (@userName::text IS NOT NULL AND actor = @userName)
            ORDER BY id
            """, new { userIdText = userId?.ToString() ?? "-", aboutCustomer = $"% {customerId}%", userName }, cancellationToken: ct)).ConfigureAwait(false);
        return new DataSubjectSection("Sign-in and access audit", "identity", "account security and accountability for access to personal data (GDPR art. 5(2), 32)",
            [DataSubjectTable.From("sign-in account", user), DataSubjectTable.From("access audit entries", audit)]);
    }
}
