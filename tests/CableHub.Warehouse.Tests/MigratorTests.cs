using CableHub.Testing;
using CableHub.Warehouse.Migrations;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Warehouse.Tests;

[Collection(ClickHouseCollection.Name)]
public sealed class MigratorTests(ClickHouseFixture clickHouse)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Migrations_are_embedded_in_order()
    {
        var migrations = WarehouseMigrator.Migrations();
        migrations.ShouldNotBeEmpty();
        migrations[0].Name.ShouldBe("0001_databases");
        migrations.Select(m => m.Name).ShouldBe(migrations.Select(m => m.Name).Order(StringComparer.Ordinal));
        migrations.ShouldAllBe(m => m.Checksum.Length == 64);
    }

    [Fact]
    public async Task Migrations_apply_once_and_create_the_warehouse_databases()
    {
        using var client = clickHouse.CreateClient();
        await client.ExecuteNonQueryAsync($"DROP TABLE IF EXISTS {WarehouseMigrator.HistoryTable}", cancellationToken: Ct);

        var first = await WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, Ct);
        var second = await WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, Ct);

        first.ShouldBe(WarehouseMigrator.Migrations().Select(m => m.Name));
        second.ShouldBeEmpty();
        (await client.ExecuteScalarAsync($"SELECT count() FROM {WarehouseMigrator.HistoryTable}", cancellationToken: Ct)).ShouldBe((ulong)first.Count);
        (await client.ExecuteScalarAsync("SELECT count() FROM system.databases WHERE name IN ('raw', 'hub', 'marts')", cancellationToken: Ct)).ShouldBe(3UL);
    }

    [Fact]
    public async Task A_changed_applied_migration_is_refused()
    {
        using var client = clickHouse.CreateClient();
        await WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, Ct);
        await client.ExecuteNonQueryAsync($"TRUNCATE TABLE {WarehouseMigrator.HistoryTable}", cancellationToken: Ct);
        await client.ExecuteNonQueryAsync($"INSERT INTO {WarehouseMigrator.HistoryTable} (name, checksum) SELECT '0001_databases', 'not-the-checksum'", cancellationToken: Ct);

        var error = await Should.ThrowAsync<InvalidOperationException>(() => WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, Ct));
        error.Message.ShouldContain("0001_databases was changed after it was applied");

        await client.ExecuteNonQueryAsync($"TRUNCATE TABLE {WarehouseMigrator.HistoryTable}", cancellationToken: Ct);
        (await WarehouseMigrator.MigrateAsync(clickHouse.ConnectionString, NullLogger.Instance, Ct)).ShouldContain("0001_databases");
    }
}
