using Dapper;
using Npgsql;

namespace CableHub.Demo;

/// <summary>DEV ONLY: fixture rows the benchmarks need, written straight into the hub schema like the demo seed.</summary>
public static class BenchmarkData
{
    /// <summary>A broadcaster BENCH and <paramref name="channels"/> free-to-air channels for <c>bench epg</c>.</summary>
    public static async Task SeedChannelsAsync(NpgsqlDataSource dataSource, int channels, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.broadcaster (id, code, name) VALUES (gen_random_uuid(), 'BENCH', 'Benchmark broadcaster');
            INSERT INTO hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, currency, free_to_air)
            SELECT gen_random_uuid(), 'ch' || lpad(g::text, 3, '0') || '.cablehub.example', 'Bench ' || g, (SELECT id FROM hub.broadcaster WHERE code = 'BENCH'),
                   'GEC', 'en', 'SD', 100000 + g, 'BENCH-' || g, 'INR', true
            FROM generate_series(1, @channels) g;
            """, new { channels }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>One update per subscription (<c>updated_at</c>), committed in transactions of 1,000, for <c>bench pipeline</c>'s streaming part.</summary>
    public static async Task TouchEverySubscriptionAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = """
            DO $$
            DECLARE lo bigint := 0; batch int := 1000; total bigint;
            BEGIN
              SELECT count(*) INTO total FROM hub.subscription;
              WHILE lo < total LOOP
                UPDATE hub.subscription SET updated_at = now()
                WHERE id IN (SELECT id FROM hub.subscription ORDER BY id OFFSET lo LIMIT batch);
                COMMIT;
                lo := lo + batch;
              END LOOP;
            END $$;
            """;
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
