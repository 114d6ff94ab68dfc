using CableHub.Core.Api.Access;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary>Which customer a billing account belongs to (a subscriber reaches only their own accounts).</summary>
internal sealed class BillingAccountOwners(NpgsqlDataSource dataSource) : IResourceOwnerResolver
{
    public string Kind => OwnedKinds.BillingAccount;

    public async Task<Guid?> OwnerAsync(string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var accountId))
        {
            return null;
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT customer_id FROM hub.billing_account WHERE id = @accountId", new { accountId }, cancellationToken: ct)).ConfigureAwait(false);
    }
}
