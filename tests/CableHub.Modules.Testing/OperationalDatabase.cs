using CableHub.Core.Persistence;
using CableHub.Core.Security;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace CableHub.Modules.Testing;

/// <summary>A migrated database on the shared throwaway cluster, with a tiny catalog and stock.</summary>
public sealed class OperationalDatabase : IAsyncLifetime
{
    public PostgresFixture Postgres { get; } = new();

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public FieldEncryptor Encryptor => ModuleServices.Encryptor;

    /// <summary>Every module's services on this database.</summary>
    public ServiceProvider Services { get; private set; } = null!;

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    public Guid PlanId { get; } = Guid.NewGuid();

    public async ValueTask InitializeAsync()
    {
        await Postgres.InitializeAsync();
        ConnectionString = await Postgres.CreateMigratedDatabaseAsync();
        DataSource = OperationalStore.CreateDataSource(ConnectionString);
        Services = ModuleServices.Build(DataSource, TimeProvider.System);
        await using var conn = await DataSource.OpenConnectionAsync();
        var broadcaster = Guid.NewGuid();
        var package = Guid.NewGuid();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.broadcaster (id, code, name) VALUES (@broadcaster, 'STAR', 'Star India');
            INSERT INTO hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency)
            VALUES (gen_random_uuid(), 'STARPLUS', 'Star Plus', @broadcaster, 'GEC', 'hi', 'SD', 101, 'P101', 19.00, 'INR'),
                   (gen_random_uuid(), 'STARGOLD', 'Star Gold', @broadcaster, 'Movies', 'hi', 'HD', 102, 'P102', 12.50, 'INR');
            INSERT INTO hub.package (id, code, name, kind) VALUES (@package, 'BASIC', 'Basic', 'base');
            INSERT INTO hub.package_channel (package_id, channel_id) SELECT @package, id FROM hub.channel;
            INSERT INTO hub.plan (id, code, name, price, currency, billing_period, status) VALUES (@plan, 'BASIC-M', 'Basic monthly', 299.00, 'INR', 'monthly', 'active');
            INSERT INTO hub.plan_package (plan_id, package_id) VALUES (@plan, @package);
            INSERT INTO hub.stock_location (id, code, name, kind) VALUES ('00000000-0000-0000-0000-000000000001', 'WH1', 'Main warehouse', 'warehouse');
            """, new { broadcaster, package, plan = PlanId });
    }

    /// <summary>Adds <paramref name="count"/> in-stock STBs.</summary>
    public async Task AddStbsAsync(int count)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.device (id, serial_number, kind, model_code, cas_id, status, location_id)
            SELECT gen_random_uuid(), 'STB' || g || '-' || substr(md5(random()::text), 1, 6), 'stb', 'DSB-1000', 'CAS' || g || substr(md5(random()::text), 1, 6), 'in_stock', '00000000-0000-0000-0000-000000000001'
            FROM generate_series(1, @count) g
            """, new { count });
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await DataSource.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
