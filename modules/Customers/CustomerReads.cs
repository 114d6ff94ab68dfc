using CableHub.Core.Api;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary>
/// Reads of customers and billing accounts for the TMF629 / TMF666 API, paged in SQL. Personal data stays encrypted in
/// what it returns (<see cref="CustomerRecord"/>); the API decrypts only for a caller allowed to read it.
/// </summary>
internal sealed class CustomerReads(NpgsqlDataSource dataSource)
{
    private const string CustomerColumns =
        "id, customer_number, status, given_name_enc, family_name_enc, birth_date_enc, preferred_language, lco_id, created_at, updated_at";

    private const string AccountSelect =
        """
        SELECT ba.id, ba.account_number, ba.customer_id, c.customer_number, ba.status, trim(ba.currency) AS currency, ba.bill_cycle_day,
               ba.payment_method, ba.prepaid, ba.created_at, ba.updated_at
        FROM hub.billing_account ba JOIN hub.customer c ON c.id = ba.customer_id
        """;

    public async Task<CustomerRecord?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<CustomerRow>(new CommandDefinition(
            $"SELECT {CustomerColumns} FROM hub.customer WHERE id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
        return row is null ? null : (await CompleteAsync(conn, [row], ct).ConfigureAwait(false))[0];
    }

    /// <summary>Customers ordered by customer number; <paramref name="status"/> and <paramref name="only"/> (one customer) filter when given.</summary>
    public async Task<Page<CustomerRecord>> ListAsync(string? status, Guid? only, PageRequest page, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var args = new { status, only, page.Offset, page.Limit };
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM hub.customer WHERE (@status::text IS NULL OR status = @status) AND (@only::uuid IS NULL OR id = @only)", args, cancellationToken: ct)).ConfigureAwait(false);
        var rows = (await conn.QueryAsync<CustomerRow>(new CommandDefinition(
            $"""
            SELECT {CustomerColumns} FROM hub.customer WHERE (@status::text IS NULL OR status = @status) AND (@only::uuid IS NULL OR id = @only)
            ORDER BY customer_number OFFSET @Offset LIMIT @Limit
            """, args, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return new Page<CustomerRecord>(await CompleteAsync(conn, rows, ct).ConfigureAwait(false), total);
    }

    public async Task<BillingAccountRecord?> GetAccountAsync(Guid id, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleOrDefaultAsync<BillingAccountRecord>(new CommandDefinition(
            AccountSelect + " WHERE ba.id = @id", new { id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Billing accounts ordered by account number; filters by customer and state when given.</summary>
    public async Task<Page<BillingAccountRecord>> ListAccountsAsync(Guid? customerId, string? state, PageRequest page, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var args = new { customerId, state, page.Offset, page.Limit };
        const string where = " WHERE (@customerId::uuid IS NULL OR ba.customer_id = @customerId) AND (@state::text IS NULL OR ba.status = @state)";
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM hub.billing_account ba" + where, args, cancellationToken: ct)).ConfigureAwait(false);
        var rows = await conn.QueryAsync<BillingAccountRecord>(new CommandDefinition(
            AccountSelect + where + " ORDER BY ba.account_number OFFSET @Offset LIMIT @Limit", args, cancellationToken: ct)).ConfigureAwait(false);
        return new Page<BillingAccountRecord>(rows.ToList(), total);
    }

    private static async Task<IReadOnlyList<CustomerRecord>> CompleteAsync(NpgsqlConnection conn, IReadOnlyList<CustomerRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var ids = rows.Select(r => r.Id).ToArray();
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT customer_id, medium_type, preferred, value_enc, city, postal_code, state_or_province, country
            FROM hub.contact_medium WHERE customer_id = ANY(@ids) AND valid_to IS NULL ORDER BY customer_id, preferred DESC, valid_from;
            SELECT id, account_number, customer_id FROM hub.billing_account WHERE customer_id = ANY(@ids) ORDER BY account_number;
            """, new { ids }, cancellationToken: ct)).ConfigureAwait(false);
        var media = (await grid.ReadAsync<ContactMediumRecord>().ConfigureAwait(false)).ToLookup(m => m.CustomerId);
        var accounts = (await grid.ReadAsync<AccountLink>().ConfigureAwait(false)).ToLookup(a => a.CustomerId);
        return rows.Select(r => new CustomerRecord(r, media[r.Id].ToList(), accounts[r.Id].ToList())).ToList();
    }
}

internal sealed record CustomerRow(Guid Id, string CustomerNumber, string Status, byte[] GivenNameEnc, byte[] FamilyNameEnc, byte[]? BirthDateEnc,
    string PreferredLanguage, Guid? LcoId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal sealed record ContactMediumRecord(Guid CustomerId, string MediumType, bool Preferred, byte[] ValueEnc, string? City, string? PostalCode,
    string? StateOrProvince, string? Country);

internal sealed record AccountLink(Guid Id, string AccountNumber, Guid CustomerId);

/// <summary>A customer as stored: personal data still encrypted.</summary>
internal sealed record CustomerRecord(CustomerRow Customer, IReadOnlyList<ContactMediumRecord> Media, IReadOnlyList<AccountLink> Accounts);

internal sealed record BillingAccountRecord(Guid Id, string AccountNumber, Guid CustomerId, string CustomerNumber, string Status, string Currency,
    short BillCycleDay, string PaymentMethod, bool Prepaid, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
