using CableHub.Catalog;
using CableHub.Core.Persistence;
using CableHub.Subscriptions.Contracts;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CableHub.Modules.Testing;

/// <summary>
/// A database of its own (a copy of the migrated template on the run's one cluster) with a small Indian line-up: four broadcasters, SD channels with one HD
/// version, a base pack, a distributor bouquet, a plan holding both, and three subscribers (two active, one terminated)
/// each with a box entitled to the plan's channels.
/// </summary>
public sealed class CatalogDatabase : IAsyncDisposable
{
    /// <summary>Channel code → (lcn, broadcaster, definition, price or null for free-to-air, HD version of).</summary>
    public static readonly (string Code, string Name, int Lcn, string Broadcaster, string Definition, decimal? Price, string? HdOf)[] Channels =
    [
        ("DDNATIONAL", "DD National", 1, "DD", "SD", null, null),
        ("STARPLUS", "Star Plus", 101, "STAR", "SD", 19.00m, null),
        ("STARPLUSHD", "Star Plus HD", 102, "STAR", "HD", 19.00m, "STARPLUS"),
        ("STARGOLD", "Star Gold", 103, "STAR", "SD", 10.00m, null),
        ("STARSPORTS1", "Star Sports 1", 104, "STAR", "SD", 19.00m, null),
        ("STARMOVIESSELECT", "Star Movies Select", 105, "STAR", "HD", 25.00m, null),
        ("SONYSET", "Sony Entertainment Television", 201, "SONY", "SD", 19.00m, null),
        ("SONYMAX", "Sony Max", 202, "SONY", "SD", 15.00m, null),
        ("SONYSAB", "Sony SAB", 203, "SONY", "SD", 5.00m, null),
        ("ZEETV", "Zee TV", 301, "ZEE", "SD", 12.00m, null),
        ("ZEECINEMA", "Zee Cinema", 302, "ZEE", "SD", 10.00m, null),
    ];

    /// <summary>HINDI-VALUE: 19 + 10 + 19 + 15 + 12 = 75.00 à la carte; priced 70.00 (floor 63.75).</summary>
    public static readonly string[] HindiValueChannels = ["STARPLUS", "STARGOLD", "SONYSET", "SONYMAX", "ZEETV"];

    /// <summary>
    /// The seeded customers' personal data (encrypted with <see cref="ModuleServices.Encryptor"/> like the Customers module does):
    /// customer 1 has an e-mail address and a phone, customer 2 only a phone, customer 3 (terminated) only an e-mail address.
    /// </summary>
    public static readonly (string GivenName, string FamilyName, string Street, string? Email, string? Phone)[] People =
    [
        ("Asha", "Verma", "12 MG Road", "asha.verma@subscriber.example", "+919800000001"),
        ("Ravi", "Kumar", "4 FC Road", null, "+919800000002"),
        ("Meena", "Iyer", "9 JM Road", "meena.iyer@subscriber.example", null),
    ];

    private readonly Dictionary<string, Guid> _ids = new(StringComparer.Ordinal);

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    /// <summary>The fake clock every service of <see cref="Services"/> reads (rules depend on time: notice periods, rights windows).</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero));

    /// <summary>Events the modules published through the outbox, in commit order.</summary>
    public RecordingEventTransactions Events { get; private set; } = null!;

    /// <summary>Every module's services on this database (no background jobs), with <see cref="Clock"/> and <see cref="Events"/>.</summary>
    public ServiceProvider Services { get; private set; } = null!;

    public Guid PlanId => Id("plan:FAMILY-M");

    public Guid BaseId => Id("package:BASE");

    public Guid HindiValueId => Id("package:HINDI-VALUE");

    /// <summary>Customers with an active subscription to FAMILY-M (the third one's subscription is terminated).</summary>
    public IReadOnlyList<Guid> ActiveCustomers => [Id("customer:1"), Id("customer:2")];

    public Guid TerminatedCustomer => Id("customer:3");

    public Guid Id(string key) => _ids[key];

    public Guid Channel(string code) => _ids["channel:" + code];

    public LineupStore Lineup(RegulatoryProfile? profile = null) =>
        new(DataSource, new CatalogOptions { Profile = profile ?? RegulatoryProfile.India }, Services.GetRequiredService<ISubscriptions>(), Clock);

    public CatalogPricing Pricing(RegulatoryProfile? profile = null) =>
        new(DataSource, Lineup(profile), Services.GetRequiredService<PriceChangeNoticeStore>(), Clock);

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A new database on <paramref name="postgres"/>, migrated and seeded.</summary>
    public static async Task<CatalogDatabase> CreateAsync(PostgresFixture postgres)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        var db = new CatalogDatabase();
        db.ConnectionString = await postgres.CreateMigratedDatabaseAsync();
        db.DataSource = OperationalStore.CreateDataSource(db.ConnectionString);
        db.Events = new RecordingEventTransactions(db.DataSource);
        db.Services = ModuleServices.Build(db.DataSource, db.Clock, db.Events);
        await db.SeedAsync();
        return db;
    }

    private async Task SeedAsync()
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        foreach (var b in new[] { "DD", "STAR", "SONY", "ZEE" })
        {
            _ids["broadcaster:" + b] = Guid.NewGuid();
            await conn.ExecuteAsync("INSERT INTO hub.broadcaster (id, code, name) VALUES (@id, @b, @b)", new { id = _ids["broadcaster:" + b], b });
        }

        foreach (var c in Channels)
        {
            _ids["channel:" + c.Code] = Guid.NewGuid();
            await conn.ExecuteAsync(
                """
                INSERT INTO hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency, free_to_air, hd_of_channel_id)
                VALUES (@id, @Code, @Name, @broadcaster, 'GEC', 'hi', @Definition, @Lcn, 'CAS-' || @Code, @Price, 'INR', @fta, @hdOf)
                """,
                new
                {
                    id = _ids["channel:" + c.Code], c.Code, c.Name, broadcaster = _ids["broadcaster:" + c.Broadcaster], c.Definition, c.Lcn, c.Price,
                    fta = c.Price is null, hdOf = c.HdOf is null ? (Guid?)null : _ids["channel:" + c.HdOf],
                });
        }

        _ids["package:BASE"] = Guid.NewGuid();
        _ids["package:HINDI-VALUE"] = Guid.NewGuid();
        _ids["plan:FAMILY-M"] = Guid.NewGuid();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.package (id, code, name, kind) VALUES (@baseId, 'BASE', 'Base pack', 'base');
            INSERT INTO hub.package (id, code, name, kind, price, currency) VALUES (@hindi, 'HINDI-VALUE', 'Hindi Value', 'distributor_bouquet', 70.00, 'INR');
            INSERT INTO hub.package_channel (package_id, channel_id) VALUES (@baseId, @dd);
            INSERT INTO hub.package_channel (package_id, channel_id) SELECT @hindi, id FROM hub.channel WHERE code = ANY(@hindiChannels);
            INSERT INTO hub.plan (id, code, name, price, currency, billing_period, status) VALUES (@plan, 'FAMILY-M', 'Family monthly', 299.00, 'INR', 'monthly', 'active');
            INSERT INTO hub.plan_package (plan_id, package_id) VALUES (@plan, @baseId), (@plan, @hindi);
            INSERT INTO hub.stock_location (id, code, name, kind) VALUES ('00000000-0000-0000-0000-000000000001', 'WH1', 'Main warehouse', 'warehouse');
            """,
            new { baseId = BaseId, hindi = HindiValueId, dd = Channel("DDNATIONAL"), hindiChannels = HindiValueChannels, plan = PlanId });

        for (var i = 1; i <= 3; i++)
        {
            var customer = _ids["customer:" + i] = Guid.NewGuid();
            var account = _ids["account:" + i] = Guid.NewGuid();
            var device = _ids["device:" + i] = Guid.NewGuid();
            var subscription = _ids["subscription:" + i] = Guid.NewGuid();
            var status = i == 3 ? "terminated" : "active";
            var person = People[i - 1];
            var encryptor = ModuleServices.Encryptor; // real ciphertext and blind indexes: personal-data reads of these customers work
            var media = new List<(string Type, string Value)> { ("postal_address", person.Street) };
            if (person.Email is { } email)
            {
                media.Add(("email", email));
            }

            if (person.Phone is { } phone)
            {
                media.Add(("phone", phone));
            }

            await conn.ExecuteAsync(
                """
                INSERT INTO hub.customer (id, customer_number, status, given_name_enc, family_name_enc) VALUES (@customer, 'C' || @i, 'active', @given, @family);
                INSERT INTO hub.billing_account (id, account_number, customer_id, status, currency, bill_cycle_day, payment_method)
                VALUES (@account, 'A' || @i, @customer, 'active', 'INR', 5, 'online');
                INSERT INTO hub.device (id, serial_number, kind, model_code, cas_id, status, customer_id)
                VALUES (@device, 'STB-' || @i, 'stb', 'DSB-1000', 'CAS-STB-' || @i, 'installed', @customer);
                INSERT INTO hub.subscription (id, customer_id, billing_account_id, plan_id, device_id, status, start_at)
                VALUES (@subscription, @customer, @account, @plan, @device, @status, '2025-12-01T00:00:00Z');
                INSERT INTO hub.entitlement (id, device_id, channel_id, subscription_id, valid_from, valid_to)
                SELECT gen_random_uuid(), @device, pc.channel_id, @subscription, '2025-12-01T00:00:00Z', CASE WHEN @status = 'terminated' THEN '2025-12-20T00:00:00Z'::timestamptz END
                FROM hub.plan_package pp JOIN hub.package_channel pc ON pc.package_id = pp.package_id WHERE pp.plan_id = @plan;
                """,
                new
                {
                    customer, account, device, subscription, status, plan = PlanId, i = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    given = encryptor.Encrypt(person.GivenName), family = encryptor.Encrypt(person.FamilyName),
                });
            await conn.ExecuteAsync(
                """
                INSERT INTO hub.contact_medium (id, customer_id, medium_type, preferred, value_enc, value_hash, city, postal_code, country)
                VALUES (gen_random_uuid(), @customer, @type, @preferred, @value, @hash, CASE WHEN @type = 'postal_address' THEN 'Pune' END,
                        CASE WHEN @type = 'postal_address' THEN '411001' END, CASE WHEN @type = 'postal_address' THEN 'IN' END)
                """,
                media.Select(m => new
                {
                    customer, type = m.Type, preferred = m.Type == (person.Email is null ? "phone" : "email"),
                    value = encryptor.Encrypt(m.Value), hash = encryptor.BlindIndex(m.Value),
                }).ToList());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
