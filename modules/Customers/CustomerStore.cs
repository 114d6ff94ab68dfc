using System.Globalization;
using CableHub.Core.Security;
using CableHub.Customers.Contracts;
using Dapper;
using Npgsql;

namespace CableHub.Customers;

/// <summary>Customers and their contact media; personal data is encrypted before it reaches PostgreSQL.</summary>
public sealed class CustomerStore(NpgsqlDataSource dataSource, FieldEncryptor encryptor, CustomerKeys keys)
{
    /// <summary>Creates a prospective customer with contact media; returns its id and number.</summary>
    public async Task<(Guid Id, string CustomerNumber)> CreateAsync(NewCustomer customer, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var id = Guid.CreateVersion7();
        var key = SubjectKeyCipher.NewDataKey();
        var number = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            """
            INSERT INTO hub.customer (id, customer_number, status, given_name_enc, family_name_enc, birth_date_enc, preferred_language, lco_id)
            VALUES (@id, 'C' || lpad(nextval('hub.customer_number_seq')::text, 8, '0'), 'prospective', @given, @family, @birth, @lang, @lco)
            RETURNING customer_number
            """,
            new
            {
                id,
                given = SubjectKeyCipher.Encrypt(key, customer.GivenName),
                family = SubjectKeyCipher.Encrypt(key, customer.FamilyName),
                birth = customer.BirthDate is { } born ? SubjectKeyCipher.Encrypt(key, born.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) : null,
                lang = customer.PreferredLanguage,
                lco = customer.LcoId,
            },
            tx,
            cancellationToken: ct)).ConfigureAwait(false);

        await keys.StoreAsync(id, key, conn, tx, ct).ConfigureAwait(false);
        var media = new List<object>();
        if (customer.Email is { } email)
        {
            media.Add(Medium(id, key, "email", email.Trim(), preferred: true, address: null));
        }

        if (customer.Phone is { } phone)
        {
            media.Add(Medium(id, key, "phone", phone.Trim(), preferred: customer.Email is null, address: null));
        }

        if (customer.Address is { } address)
        {
            media.Add(Medium(id, key, "postal_address", address.Street, preferred: false, address));
        }

        if (media.Count > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO hub.contact_medium (id, customer_id, medium_type, preferred, value_enc, value_hash, city, postal_code, state_or_province, country)
                VALUES (@Id, @CustomerId, @MediumType, @Preferred, @ValueEnc, @ValueHash, @City, @PostalCode, @StateOrProvince, @Country)
                """, media, tx, cancellationToken: ct)).ConfigureAwait(false);
        }

        return (id, number!);
    }

    public async Task<Customer?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<CustomerRow>(new CommandDefinition(
            """
            SELECT id, customer_number, status, given_name_enc, family_name_enc, birth_date_enc, preferred_language, lco_id, created_at
            FROM hub.customer WHERE id = @id
            """, new { id }, cancellationToken: ct)).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var media = (await conn.QueryAsync<MediumRow>(new CommandDefinition(
            """
            SELECT medium_type, preferred, value_enc, city, postal_code, state_or_province, country
            FROM hub.contact_medium WHERE customer_id = @id AND valid_to IS NULL
            ORDER BY preferred DESC
            """, new { id }, cancellationToken: ct)).ConfigureAwait(false)).ToList();

        var email = media.FirstOrDefault(m => m.MediumType == "email");
        var phone = media.FirstOrDefault(m => m.MediumType == "phone");
        var postal = media.FirstOrDefault(m => m.MediumType == "postal_address");
        var fields = await keys.ReaderAsync([id], conn, null, ct).ConfigureAwait(false);
        var birth = fields.Read(id, row.BirthDateEnc);
        return new Customer(
            row.Id,
            row.CustomerNumber,
            row.Status,
            fields.Required(id, row.GivenNameEnc),
            fields.Required(id, row.FamilyNameEnc),
            birth is null || birth == CustomerKeys.Erased ? null : DateOnly.ParseExact(birth, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            email is null ? null : fields.Read(id, email.ValueEnc),
            phone is null ? null : fields.Read(id, phone.ValueEnc),
            postal is null ? null : new PostalAddress(fields.Required(id, postal.ValueEnc), postal.City ?? "", postal.PostalCode ?? "", postal.StateOrProvince, postal.Country?.Trim() ?? ""),
            row.PreferredLanguage,
            row.LcoId,
            row.CreatedAt);
    }

    /// <summary>Customers with this e-mail address (exact match through the blind index; nothing is decrypted to search).</summary>
    public async Task<IReadOnlyList<Guid>> FindByEmailAsync(string email, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var ids = await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT customer_id FROM hub.contact_medium WHERE medium_type = 'email' AND value_hash = @hash AND valid_to IS NULL",
            new { hash = encryptor.BlindIndex(email) }, cancellationToken: ct)).ConfigureAwait(false);
        return ids.ToList();
    }

    public static Task SetStatusAsync(Guid id, string status, NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(
            "UPDATE hub.customer SET status = @status, updated_at = now() WHERE id = @id AND status <> @status",
            new { id, status }, tx, cancellationToken: ct));

    private object Medium(Guid customerId, byte[] key, string type, string value, bool preferred, PostalAddress? address) => new
    {
        Id = Guid.CreateVersion7(),
        CustomerId = customerId,
        MediumType = type,
        Preferred = preferred,
        ValueEnc = SubjectKeyCipher.Encrypt(key, value),
        ValueHash = encryptor.BlindIndex(value),
        address?.City,
        address?.PostalCode,
        address?.StateOrProvince,
        address?.Country,
    };

    private sealed record CustomerRow(Guid Id, string CustomerNumber, string Status, byte[] GivenNameEnc, byte[] FamilyNameEnc, byte[]? BirthDateEnc, string PreferredLanguage, Guid? LcoId, DateTimeOffset CreatedAt);

    private sealed record MediumRow(string MediumType, bool Preferred, byte[] ValueEnc, string? City, string? PostalCode, string? StateOrProvince, string? Country);
}
