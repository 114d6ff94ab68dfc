using System.Net.Http.Json;
using CableHub.Core.Security;
using Npgsql;

namespace CableHub.EndToEnd.Tests;

/// <summary>What <c>up</c> seeds into an empty database (here 200 subscribers) is consistent and realistic.</summary>
[Collection(SharedHub.Name)]
public sealed class DemoDataTests(HubFixture fixture)
{
    private readonly HubProcess _hub = fixture.Hub;

    [Fact]
    public async Task Seeded_subscribers_have_accounts_boxes_and_entitlements_that_match_their_status()
    {
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.customer WHERE customer_number LIKE 'C%'")).ShouldBeGreaterThanOrEqualTo(200);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.customer c WHERE NOT EXISTS (SELECT 1 FROM hub.billing_account a WHERE a.customer_id = c.id)")).ShouldBe(0);
        (await _hub.ScalarAsync<long>(
            """
            SELECT count(*) FROM hub.subscription s JOIN hub.device d ON d.id = s.device_id
            WHERE s.status = 'active' AND (d.status <> 'installed' OR d.activation_state <> 'active' OR d.paired_device_id IS NULL
                  OR NOT EXISTS (SELECT 1 FROM hub.entitlement e WHERE e.subscription_id = s.id))
            """)).ShouldBe(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.subscription WHERE status = 'terminated' AND end_at IS NULL")).ShouldBe(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.plan WHERE price <= 0 OR currency <> 'INR'")).ShouldBe(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.device WHERE kind = 'stb' AND status = 'in_stock'")).ShouldBeGreaterThan(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.device d WHERE NOT EXISTS (SELECT 1 FROM hub.equipment_model m WHERE m.code = d.model_code)")).ShouldBe(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.reorder_point")).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Personal_data_is_encrypted_at_rest_under_each_customers_data_key_wrapped_by_the_hub_key()
    {
        var key = Convert.FromBase64String((await File.ReadAllTextAsync(Path.Combine(_hub.DataDirectory, "keys", "field-encryption.key"))).Trim());
        var encryptor = FieldEncryptor.FromSingleKey(key);
        await using var conn = new NpgsqlConnection(_hub.PostgresConnectionString);
        await conn.OpenAsync();
        // As the Customers module writes them (crypto-shredding): the fields under the customer's own key, stored wrapped by the hub's key.
        await using var cmd = new NpgsqlCommand(
            """
            SELECT c.given_name_enc, c.family_name_enc, k.wrapped_key, (SELECT m.value_enc FROM hub.contact_medium m WHERE m.customer_id = c.id AND m.medium_type = 'email')
            FROM hub.customer c JOIN keyring.customer_key k ON k.customer_id = c.id ORDER BY c.customer_number LIMIT 20
            """, conn);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            var cipher = reader.GetFieldValue<byte[]>(0);
            SubjectKeyCipher.IsSubjectCiphertext(cipher).ShouldBeTrue();
            var dataKey = SubjectKeyCipher.Unwrap(encryptor, reader.GetFieldValue<byte[]>(2));
            var name = SubjectKeyCipher.Decrypt(dataKey, cipher);
            name.Length.ShouldBeGreaterThan(1);
            System.Text.Encoding.UTF8.GetString(cipher).ShouldNotContain(name);
            SubjectKeyCipher.Decrypt(dataKey, reader.GetFieldValue<byte[]>(1)).ShouldNotBeNullOrWhiteSpace();
            SubjectKeyCipher.Decrypt(dataKey, reader.GetFieldValue<byte[]>(3)).ShouldContain("@");
            rows++;
        }

        rows.ShouldBe(20);
    }

    [Fact]
    public async Task The_warehouse_has_every_subscriber_and_no_personal_data()
    {
        var inPostgres = await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.customer");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long inWarehouse = -1;
        while (DateTime.UtcNow < deadline && (inWarehouse = Convert.ToInt64(await _hub.WarehouseScalarAsync("SELECT count() FROM marts.dim_subscriber"))) < inPostgres)
        {
            await Task.Delay(250);
        }

        inWarehouse.ShouldBeGreaterThanOrEqualTo(inPostgres);
        var columns = Convert.ToString(await _hub.WarehouseScalarAsync(
            "SELECT arrayStringConcat(groupArray(name), ',') FROM system.columns WHERE database = 'marts' AND table = 'dim_subscriber'"))!;
        columns.ShouldNotContain("name_enc");
        columns.ShouldNotContain("email");
    }

    [Fact]
    public async Task The_demo_catalog_obeys_the_regulatory_profile()
    {
        var check = await _hub.Http.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri(_hub.Api, "/api/v1/catalog/check"));
        check.GetProperty("compliant").GetBoolean().ShouldBeTrue(check.ToString());
    }
}
