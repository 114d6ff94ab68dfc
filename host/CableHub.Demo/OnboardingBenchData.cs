using Dapper;
using Npgsql;

namespace CableHub.Demo;

/// <summary>
/// DEV ONLY: what <c>bench onboarding</c> orders against, written straight into a throwaway hub database: one broadcaster, four
/// channels (CAS products B101–B104) in one bouquet, plan BENCH-ONB-M (199.00 INR a month) and <c>boxes</c> set-top boxes in stock
/// at one warehouse (cas ids <c>BN</c> + number).
/// </summary>
public static class OnboardingBenchData
{
    public const string PlanCode = "BENCH-ONB-M";

    /// <summary>Seeds the catalogue and the stock; returns the plan's id.</summary>
    public static async Task<Guid> SeedAsync(NpgsqlDataSource dataSource, int boxes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        var plan = Guid.NewGuid();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.broadcaster (id, code, name) VALUES ('00000000-0000-0000-0000-00000000bb01', 'BENCHB', 'Bench broadcaster');
            INSERT INTO hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency)
            SELECT gen_random_uuid(), 'BENCH' || i, 'Bench channel ' || i, '00000000-0000-0000-0000-00000000bb01', 'GEC', 'hi', 'SD', 900 + i, 'B10' || i, 10.00, 'INR'
            FROM generate_series(1, 4) i;
            INSERT INTO hub.package (id, code, name, kind) VALUES ('00000000-0000-0000-0000-00000000bb02', 'BENCHPACK', 'Bench pack', 'broadcaster_bouquet');
            INSERT INTO hub.package_channel (package_id, channel_id) SELECT '00000000-0000-0000-0000-00000000bb02', id FROM hub.channel WHERE code LIKE 'BENCH%';
            INSERT INTO hub.plan (id, code, name, price, currency, billing_period, status) VALUES (@plan, @PlanCode, 'Bench onboarding monthly', 199.00, 'INR', 'monthly', 'active');
            INSERT INTO hub.plan_package (plan_id, package_id) VALUES (@plan, '00000000-0000-0000-0000-00000000bb02');
            INSERT INTO hub.stock_location (id, code, name, kind) VALUES ('00000000-0000-0000-0000-00000000bb03', 'BENCHWH', 'Bench warehouse', 'warehouse');
            INSERT INTO hub.device (id, serial_number, kind, model_code, cas_id, status, location_id)
            SELECT gen_random_uuid(), 'SN-BN' || lpad(i::text, 8, '0'), 'stb', 'DSB-1000', 'BN' || lpad(i::text, 8, '0'), 'in_stock', '00000000-0000-0000-0000-00000000bb03'
            FROM generate_series(1, @boxes) i;
            """, new { plan, PlanCode, boxes }, cancellationToken: ct)).ConfigureAwait(false);
        return plan;
    }

    /// <summary>Orders completed and failed so far.</summary>
    public static async Task<(long Completed, long Failed)> ProgressAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleAsync<(long, long)>(new CommandDefinition(
            "SELECT count(*) FILTER (WHERE state = 'completed'), count(*) FILTER (WHERE state = 'failed') FROM hub.product_order", cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Transactions committed in the current database so far (<c>pg_stat_database.xact_commit</c>; the statistics lag by up to a second).</summary>
    public static async Task<long> CommittedTransactionsAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>The process id of the server's postmaster (the parent of this connection's backend).</summary>
    public static async Task<int> BackendPidAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT pg_backend_pid()", cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Where an onboarding's time went (milliseconds, from the orders' state history and the saga's CAS call log; the database's clock).</summary>
    public sealed record Breakdown(long Orders, double AckToRunMean, double AckToRunP99, double RunToDoneMean, double RunToDoneP99, double EndToEndMean,
        double CasCallMean, long CasCalls, long CasAttempts);

    public static async Task<Breakdown> BreakdownAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        return await conn.QuerySingleAsync<Breakdown>(new CommandDefinition(
            """
            WITH s AS (
                SELECT order_id,
                       min(at) FILTER (WHERE state = 'acknowledged') AS ack,
                       min(at) FILTER (WHERE state = 'inProgress') AS run,
                       min(at) FILTER (WHERE state = 'completed') AS done
                FROM hub.product_order_state_change GROUP BY order_id)
            SELECT count(*) AS Orders,
                   coalesce(avg(extract(epoch FROM run - ack)) * 1000, 0)::float8 AS AckToRunMean,
                   coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM run - ack)) * 1000, 0)::float8 AS AckToRunP99,
                   coalesce(avg(extract(epoch FROM done - run)) * 1000, 0)::float8 AS RunToDoneMean,
                   coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM done - run)) * 1000, 0)::float8 AS RunToDoneP99,
                   coalesce(avg(extract(epoch FROM done - ack)) * 1000, 0)::float8 AS EndToEndMean,
                   (SELECT coalesce(avg(extract(epoch FROM finished_at - started_at)) * 1000, 0) FROM sagas.cas_call)::float8 AS CasCallMean,
                   (SELECT count(*) FROM sagas.cas_call) AS CasCalls,
                   (SELECT coalesce(sum(attempts), 0) FROM sagas.cas_call)::bigint AS CasAttempts
            FROM s WHERE done IS NOT NULL
            """, cancellationToken: ct)).ConfigureAwait(false);
    }
}
