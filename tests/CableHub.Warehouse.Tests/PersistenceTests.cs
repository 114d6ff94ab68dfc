using CableHub.Testing;

namespace CableHub.Warehouse.Tests;

[Collection(ClickHouseCollection.Name)]
public sealed class PersistenceTests(ClickHouseFixture clickHouse)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Data_survives_a_restart_of_the_engine_on_the_same_path()
    {
        var table = $"kept_{Guid.NewGuid():N}"[..17];
        using (var client = clickHouse.CreateClient())
        {
            await client.ExecuteNonQueryAsync($"CREATE TABLE {table} (id UInt32, note String) ENGINE = MergeTree ORDER BY id", cancellationToken: Ct);
            await client.InsertBinaryAsync(table, ["id", "note"], Enumerable.Range(1, 1000).Select(i => new object[] { (uint)i, $"n{i}" }), cancellationToken: Ct);
        }

        var before = clickHouse.HttpAddress;
        await clickHouse.RestartAsync();

        clickHouse.HttpAddress.ShouldNotBe(before);
        using var again = clickHouse.CreateClient();
        (await again.ExecuteScalarAsync($"SELECT count() FROM {table}", cancellationToken: Ct)).ShouldBe(1000UL);
        (await again.ExecuteScalarAsync($"SELECT note FROM {table} WHERE id = 500", cancellationToken: Ct)).ShouldBe("n500");
    }
}
