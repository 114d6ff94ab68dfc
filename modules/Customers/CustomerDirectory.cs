using CableHub.Customers.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

internal sealed class CustomerDirectory(NpgsqlDataSource dataSource, CustomerStore store, CustomerKeys keys) : ICustomerDirectory
{
    public async Task<CustomerContact?> FindAsync(string customerNumberOrEmail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(customerNumberOrEmail);
        var key = customerNumberOrEmail.Trim();
        if (key.Length == 0)
        {
            return null;
        }

        Guid? id;
        if (key.Contains('@', StringComparison.Ordinal))
        {
            var ids = await store.FindByEmailAsync(key, ct).ConfigureAwait(false);
            id = ids.Distinct().Count() == 1 ? ids[0] : null;
        }
        else
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            id = await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                "SELECT id FROM hub.customer WHERE customer_number = @key", new { key }, cancellationToken: ct)).ConfigureAwait(false);
        }

        return id is { } found ? await GetAsync(found, ct).ConfigureAwait(false) : null;
    }

    /// <summary>Number, status and the preferred e-mail / phone only: names and addresses are not decrypted for sign-in.</summary>
    public async Task<CustomerContact?> GetAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<(string Number, string Status, string Language)>(new CommandDefinition(
            "SELECT customer_number, status, preferred_language FROM hub.customer WHERE id = @customerId", new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        if (row.Number is null)
        {
            return null;
        }

        var media = (await conn.QueryAsync<(string Type, byte[] Value)>(new CommandDefinition(
            """
            SELECT medium_type, value_enc FROM hub.contact_medium
            WHERE customer_id = @customerId AND valid_to IS NULL AND medium_type IN ('email', 'phone') ORDER BY preferred DESC
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        var fields = await keys.ReaderAsync([customerId], conn, null, ct).ConfigureAwait(false);
        if (fields.IsShredded(customerId))
        {
            media.Clear(); // erased: no address to send anything to
        }

        string? Medium(string type) => media.FirstOrDefault(m => m.Type == type) is { Value: { } value } ? fields.Read(customerId, value) : null;
        return new CustomerContact(customerId, row.Number, row.Status, Medium("email"), Medium("phone"), row.Language);
    }
}
