using CableHub.Customers;
using CableHub.Demo;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CableHub.Billing.Tests;

/// <summary>
/// The demo seed's set-based load (what <c>bench billrun</c>'s neighbour verb <c>seed</c> runs): the rows are readable through the
/// Customers module (personal data under each customer's own key), consistent across tables, and the same seed gives the same people.
/// </summary>
public sealed class DemoSeedTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Seeded_customers_are_readable_by_the_customers_module_and_the_same_seed_gives_the_same_people()
    {
        var first = await SeedAsync(2_345);
        var second = await SeedAsync(2_345);
        try
        {
            await using var services = ModuleServices.Build(first, new FakeTimeProvider(Now));
            var store = services.GetRequiredService<CustomerStore>();
            await using var conn = await first.OpenConnectionAsync();
            var ids = (await conn.QueryAsync<Guid>("SELECT id FROM hub.customer ORDER BY customer_number LIMIT 25")).ToList();
            var people = new List<string>();
            foreach (var id in ids)
            {
                var c = (await store.GetAsync(id))!;
                c.GivenName.Length.ShouldBeGreaterThan(1);
                c.Email!.ShouldContain("@example.in");
                c.Phone!.ShouldStartWith("+91 9");
                c.Address!.Street.ShouldNotBeNullOrWhiteSpace();
                people.Add($"{c.CustomerNumber} {c.GivenName} {c.FamilyName} {c.Email} {c.BirthDate}");
            }

            // Under each customer's own data key (crypto-shredding works on seeded customers too).
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.customer c LEFT JOIN keyring.customer_key k ON k.customer_id = c.id WHERE k.wrapped_key IS NULL"))
                .ShouldBe(0);
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.customer WHERE get_byte(given_name_enc, 0) <> 2")).ShouldBe(0);

            // Every table of a subscriber, consistent: 3 contact media, an account, a box and a card with their stock movements, a subscription
            // with entitlements for its plan's channels; one audit entry per batch when the row triggers were off.
            (await conn.QuerySingleAsync<(long, long, long, long, long, long)>(
                """
                SELECT (SELECT count(*) FROM hub.customer), (SELECT count(*) FROM hub.contact_medium), (SELECT count(*) FROM hub.billing_account),
                       (SELECT count(*) FROM hub.subscription), (SELECT count(*) FROM hub.device WHERE customer_id IS NOT NULL OR status = 'returned'),
                       (SELECT count(*) FROM hub.stock_movement WHERE reason = 'created' AND actor = 'system:seed')
                """)).ShouldBe((2_345L, 3 * 2_345L, 2_345L, 2_345L, 2 * 2_345L, 2 * 2_345L));
            (await conn.ExecuteScalarAsync<long>(
                """
                SELECT count(*) FROM hub.subscription s
                WHERE (SELECT count(*) FROM hub.entitlement e WHERE e.subscription_id = s.id AND e.device_id = s.device_id)
                   <> (SELECT count(DISTINCT pc.channel_id) FROM hub.plan_package pp JOIN hub.package_channel pc ON pc.package_id = pp.package_id WHERE pp.plan_id = s.plan_id)
                """)).ShouldBe(0);
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.audit_log WHERE action = 'bulk_load' AND actor = 'system:seed'")).ShouldBe(1L); // 2,345 = one batch

            // The same seed: the same people in the same order (ids and keys differ: they are made at load time).
            await using var services2 = ModuleServices.Build(second, new FakeTimeProvider(Now));
            await using var conn2 = await second.OpenConnectionAsync();
            var ids2 = (await conn2.QueryAsync<Guid>("SELECT id FROM hub.customer ORDER BY customer_number LIMIT 25")).ToList();
            var people2 = new List<string>();
            foreach (var id in ids2)
            {
                var c = (await services2.GetRequiredService<CustomerStore>().GetAsync(id))!;
                people2.Add($"{c.CustomerNumber} {c.GivenName} {c.FamilyName} {c.Email} {c.BirthDate}");
            }

            people2.ShouldBe(people);
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }
    }

    private async Task<NpgsqlDataSource> SeedAsync(int subscribers)
    {
        var dataSource = CableHub.Core.Persistence.OperationalStore.CreateDataSource(await postgres.CreateMigratedDatabaseAsync()); // with the hub's Dapper mapping
        await new DemoDataGenerator(dataSource, ModuleServices.Encryptor, new FakeTimeProvider(Now)).SeedAsync(new DemoDataSize(subscribers, Channels: 40, Packages: 6, SpareStbs: 5));
        return dataSource;
    }
}
