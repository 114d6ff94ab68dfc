using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Vod;

/// <summary>What the VOD module holds on a customer (access export): rentals and purchases.</summary>
internal sealed class VodDataSubjectRecords(NpgsqlDataSource dataSource) : IDataSubjectRecords
{
    public int Order => 60;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var purchases = await conn.QueryAsync(new CommandDefinition(
            """
            SELECT id, title_id, offer_id, model, amount, trim(currency) AS currency, territory, purchased_at, access_from, access_until, status
            FROM hub.vod_purchase WHERE customer_id = @customerId ORDER BY purchased_at, id
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        return new DataSubjectSection("Video on demand", "vod", "titles rented or bought (contract)", [DataSubjectTable.From("VOD purchases", purchases)]);
    }
}
