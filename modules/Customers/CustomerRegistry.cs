using CableHub.Core;
using CableHub.Core.Persistence;
using CableHub.Customers.Contracts;
using Dapper;

namespace CableHub.Customers;

/// <summary>Handles the Customers commands and queries of <see cref="ICustomerRegistry"/>.</summary>
internal sealed class CustomerRegistry(CustomerStore customers, TimeProvider clock) : ICustomerRegistry
{
    public async Task<RegisteredCustomer> RegisterAsync(RegisterCustomer command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        var (customerId, number) = await customers.CreateAsync(command.Customer, session.Connection, session.Transaction, ct).ConfigureAwait(false);
        var accountId = Ids.New(clock);
        await session.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.billing_account (id, account_number, customer_id, status, currency, bill_cycle_day, payment_method)
            VALUES (@accountId, 'A' || lpad(nextval('hub.account_number_seq')::text, 8, '0'), @customerId, 'active', @currency, @day, @method)
            """,
            new { accountId, customerId, currency = command.Currency, day = (short)command.BillCycleDay, method = command.PaymentMethod },
            session.Transaction, cancellationToken: ct)).ConfigureAwait(false);
        return new RegisteredCustomer(customerId, number, accountId);
    }

    public Task ActivateAsync(ActivateCustomer command, DbSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        return CustomerStore.SetStatusAsync(command.CustomerId, CustomerStatus.Active, session.Connection, session.Transaction, ct);
    }

    public Task<BillingAccountSummary?> ActiveBillingAccountAsync(Guid customerId, DbSession session, CancellationToken ct) =>
        session.Connection.QuerySingleOrDefaultAsync<BillingAccountSummary?>(new CommandDefinition(
            """
            SELECT ba.id, ba.customer_id, trim(ba.currency) AS currency, ba.status FROM hub.billing_account ba JOIN hub.customer c ON c.id = ba.customer_id
            WHERE ba.customer_id = @customerId AND ba.status = 'active' ORDER BY ba.created_at LIMIT 1
            """, new { customerId }, session.Transaction, cancellationToken: ct));

    public Task<string?> CountryAsync(Guid customerId, DbSession session, CancellationToken ct) =>
        session.Connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            """
            SELECT country FROM hub.contact_medium WHERE customer_id = @customerId AND medium_type = 'postal_address' AND country IS NOT NULL
            ORDER BY preferred DESC, valid_from DESC LIMIT 1
            """, new { customerId }, session.Transaction, cancellationToken: ct));
}
