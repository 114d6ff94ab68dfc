using CableHub.Core.Api.Access;
using Dapper;
using Npgsql;

namespace CableHub.Ordering;

/// <summary>Which customer a product order belongs to (a subscriber reaches only their own orders).</summary>
internal sealed class ProductOrderOwners(NpgsqlDataSource dataSource) : IResourceOwnerResolver
{
    public string Kind => OwnedKinds.ProductOrder;

    public async Task<Guid?> OwnerAsync(string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var orderId))
        {
            return null;
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT customer_id FROM hub.product_order WHERE id = @orderId", new { orderId }, cancellationToken: ct)).ConfigureAwait(false);
    }
}
