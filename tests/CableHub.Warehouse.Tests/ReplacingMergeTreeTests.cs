using System.Numerics;
using CableHub.Testing;

namespace CableHub.Warehouse.Tests;

/// <summary>
/// The raw CDC table pattern: ReplacingMergeTree(_version, _is_deleted) with a UInt128 version made of the
/// commit LSN (high 64 bits) and the ordinal inside the transaction (low 64 bits), written through the
/// driver's bulk copy and read with FINAL.
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class ReplacingMergeTreeTests(ClickHouseFixture clickHouse)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Final_keeps_the_highest_uint128_version_and_drops_deleted_rows_across_replays()
    {
        using var client = clickHouse.CreateClient();
        var table = $"cdc_{Guid.NewGuid():N}"[..16];
        await client.ExecuteNonQueryAsync(
            $"""
            CREATE TABLE {table}
            (
                id UInt64,
                plan LowCardinality(String),
                _version UInt128,
                _is_deleted UInt8
            )
            ENGINE = ReplacingMergeTree(_version, _is_deleted)
            ORDER BY id
            """,
            cancellationToken: Ct);

        // LSNs chosen so that the ordinal alone would order them wrongly: only the high 64 bits decide.
        const ulong lsn1 = 0x0000_0001_0000_0000;
        const ulong lsn2 = 0x0000_0001_0000_0010;
        const ulong lsn3 = 0xFFFF_FFFF_0000_0000;
        object[][] batch1 =
        [
            [1UL, "basic", Version(lsn1, 5), (byte)0],
            [2UL, "basic", Version(lsn1, 6), (byte)0],
            [3UL, "basic", Version(lsn1, 7), (byte)0],
        ];
        object[][] batch2 =
        [
            [1UL, "premium", Version(lsn2, 0), (byte)0], // update
            [2UL, "basic", Version(lsn2, 1), (byte)1],   // delete
        ];
        object[][] batch3 =
        [
            [3UL, "sports", Version(lsn3, 0), (byte)0],
            [3UL, "stale", Version(lsn2, ulong.MaxValue), (byte)0], // older LSN, bigger ordinal: must lose
        ];
        string[] columns = ["id", "plan", "_version", "_is_deleted"];

        foreach (var batch in new[] { batch1, batch2, batch1, batch3, batch2, batch3 }) // replays after "crashes"
        {
            await client.InsertBinaryAsync(table, columns, batch, cancellationToken: Ct);
        }

        await AssertCurrentStateAsync();
        await client.ExecuteNonQueryAsync($"OPTIMIZE TABLE {table} FINAL", cancellationToken: Ct);
        await AssertCurrentStateAsync();
        (await client.ExecuteScalarAsync($"SELECT max(_version) FROM {table}", cancellationToken: Ct)).ShouldBe(Version(lsn3, 0));

        async Task AssertCurrentStateAsync()
        {
            using var reader = await client.ExecuteReaderAsync($"SELECT id, plan, _version FROM {table} FINAL ORDER BY id", cancellationToken: Ct);
            var rows = new List<(ulong Id, string Plan, BigInteger Version)>();
            while (reader.Read())
            {
                rows.Add(((ulong)reader.GetValue(0), reader.GetString(1), (BigInteger)reader.GetValue(2)));
            }

            rows.ShouldBe([(1UL, "premium", Version(lsn2, 0)), (3UL, "sports", Version(lsn3, 0))]);
        }
    }

    /// <summary>The version as the ingester writes it (commit LSN high, position in the transaction low), as the BigInteger the driver writes to UInt128.</summary>
    private static BigInteger Version(ulong commitLsn, ulong position) => (BigInteger)(((UInt128)commitLsn << 64) | position);
}
