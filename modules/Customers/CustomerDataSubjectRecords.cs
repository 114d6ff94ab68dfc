using CableHub.Core.Ports;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary>What the Customers module holds on a customer, personal fields decrypted (access export).</summary>
internal sealed class CustomerDataSubjectRecords(NpgsqlDataSource dataSource, CustomerKeys keys) : IDataSubjectRecords
{
    public int Order => 10;

    public async Task<DataSubjectSection> CollectAsync(Guid customerId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var fields = await keys.ReaderAsync([customerId], conn, null, ct).ConfigureAwait(false);
        var c = await conn.QuerySingleOrDefaultAsync<CustomerRow>(new CommandDefinition(
            """
            SELECT c.id, c.customer_number, c.status, c.given_name_enc, c.family_name_enc, c.birth_date_enc, c.preferred_language, l.code AS lco, c.created_at, c.updated_at, c.erased_at
            FROM hub.customer c LEFT JOIN hub.lco l ON l.id = c.lco_id WHERE c.id = @customerId
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false)
            ?? throw new NotFoundException($"customer {customerId}", "customerId");
        var media = await conn.QueryAsync<MediumRow>(new CommandDefinition(
            """
            SELECT medium_type, preferred, value_enc, city, postal_code, state_or_province, country, valid_from, valid_to
            FROM hub.contact_medium WHERE customer_id = @customerId ORDER BY valid_from, medium_type
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        var consents = await conn.QueryAsync(new CommandDefinition(
            "SELECT purpose, granted, source, recorded_at FROM hub.consent WHERE customer_id = @customerId ORDER BY purpose", new { customerId }, cancellationToken: ct)).ConfigureAwait(false);
        var accounts = await conn.QueryAsync(new CommandDefinition(
            """
            SELECT account_number, status, trim(currency) AS currency, bill_cycle_day, payment_method, prepaid, created_at
            FROM hub.billing_account WHERE customer_id = @customerId ORDER BY account_number
            """, new { customerId }, cancellationToken: ct)).ConfigureAwait(false);

        string[] customerColumns = ["customer_number", "status", "given_name", "family_name", "birth_date", "preferred_language", "lco", "created_at", "updated_at", "erased_at"];
        object?[] customerRow = [c.CustomerNumber, c.Status, fields.Read(customerId, c.GivenNameEnc), fields.Read(customerId, c.FamilyNameEnc), fields.Read(customerId, c.BirthDateEnc),
            c.PreferredLanguage, c.Lco, c.CreatedAt, c.UpdatedAt, c.ErasedAt];
        string[] mediumColumns = ["type", "preferred", "value", "city", "postal_code", "state_or_province", "country", "valid_from", "valid_to"];
        return new DataSubjectSection("Customer", "customers", "identification, contract and contact (GDPR art. 6(1)(b))",
        [
            new DataSubjectTable("customer", customerColumns, [customerRow]),
            new DataSubjectTable("contact media", mediumColumns,
                [.. media.Select(m => new object?[] { m.MediumType, m.Preferred, fields.Read(customerId, m.ValueEnc), m.City, m.PostalCode, m.StateOrProvince, m.Country?.Trim(), m.ValidFrom, m.ValidTo })]),
            DataSubjectTable.From("consents", consents),
            DataSubjectTable.From("billing accounts", accounts),
        ]);
    }

    private sealed record CustomerRow(Guid Id, string CustomerNumber, string Status, byte[] GivenNameEnc, byte[] FamilyNameEnc, byte[]? BirthDateEnc,
        string PreferredLanguage, string? Lco, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ErasedAt);

    private sealed record MediumRow(string MediumType, bool Preferred, byte[] ValueEnc, string? City, string? PostalCode, string? StateOrProvince, string? Country,
        DateTimeOffset ValidFrom, DateTimeOffset? ValidTo);
}
