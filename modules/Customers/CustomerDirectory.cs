using CableHub.Customers.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

internal sealed class CustomerDirectory(NpgsqlDataSource dataSource, CustomerStore store) : ICustomerDirectory
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

    public async Task<CustomerContact?> GetAsync(Guid customerId, CancellationToken ct)
    {
        var customer = await store.GetAsync(customerId, ct).ConfigureAwait(false);
        return customer is null ? null
            : new CustomerContact(customer.Id, customer.CustomerNumber, customer.Status, customer.Email, customer.Phone, customer.PreferredLanguage);
    }
}
