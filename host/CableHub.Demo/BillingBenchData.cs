using Dapper;
using Npgsql;

namespace CableHub.Demo;

/// <summary>
/// DEV ONLY: billable accounts for <c>bench billrun</c> and the bill-run tests, written set-based (INSERT … SELECT from
/// generate_series, one statement per batch writing customers, billing accounts, billing profiles and subscriptions) straight
/// into the hub schema like the demo seed. Every account is on cycle day <c>cycleDay</c> (monthly, India, INR) with one
/// subscription to plan BENCH-M (299.00 INR); one in 20 started in the middle of the previous period (arrears proration),
/// one in 5 rents a box (50.00 a month), one in 10 has a 10 % discount.
/// </summary>
public static class BillingBenchData
{
    public const string PlanCode = "BENCH-M";

    public static async Task SeedAccountsAsync(NpgsqlDataSource dataSource, int accounts, int cycleDay, DateOnly runDate, IProgress<long>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO hub.plan (id, code, name, price, currency, billing_period, status)
            VALUES (gen_random_uuid(), @PlanCode, 'Bench family monthly', 299.00, 'INR', 'monthly', 'active') ON CONFLICT (code) DO NOTHING
            """, new { PlanCode }, cancellationToken: ct)).ConfigureAwait(false);
        var offset = await conn.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM hub.customer", cancellationToken: ct)).ConfigureAwait(false);
        var longAgo = new DateTimeOffset(runDate.AddMonths(-3).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var midPrevious = new DateTimeOffset(runDate.AddMonths(-1).AddDays(10).ToDateTime(new TimeOnly(6, 0)), TimeSpan.Zero);
        const int batch = 100_000;
        for (long from = 1; from <= accounts; from += batch)
        {
            var to = Math.Min(accounts, from + batch - 1);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                WITH g AS (
                    SELECT g + @offset AS n, gen_random_uuid() AS customer, gen_random_uuid() AS account, gen_random_uuid() AS sub
                    FROM generate_series(@from, @to) g),
                c AS (
                    INSERT INTO hub.customer (id, customer_number, status, given_name_enc, family_name_enc)
                    SELECT customer, 'BC' || lpad(n::text, 9, '0'), 'active', '\x00', '\x00' FROM g),
                a AS (
                    INSERT INTO hub.billing_account (id, account_number, customer_id, status, currency, bill_cycle_day, payment_method)
                    SELECT account, 'BA' || lpad(n::text, 9, '0'), customer, 'active', 'INR', @cycleDay, 'online' FROM g),
                p AS (
                    INSERT INTO hub.billing_profile (billing_account_id, customer_id, bill_cycle_day, billing_period, currency, tax_jurisdiction, regulatory_profile)
                    SELECT account, customer, @cycleDay, 'monthly', 'INR', 'IN', 'IN' FROM g),
                r AS (
                    INSERT INTO hub.billing_recurring_item (id, billing_account_id, kind, description, monthly_amount, currency, start_date)
                    SELECT gen_random_uuid(), account, 'equipment_rental', 'HD set-top box rental', 50.00, 'INR', @longAgoDate::date FROM g WHERE n % 5 = 0),
                d AS (
                    INSERT INTO hub.billing_discount (id, billing_account_id, kind, description, percent, valid_from)
                    SELECT gen_random_uuid(), account, 'percentage', 'Loyalty 10 %', 10, @longAgoDate::date FROM g WHERE n % 10 = 3)
                INSERT INTO hub.subscription (id, customer_id, billing_account_id, plan_id, status, start_at)
                SELECT sub, customer, account, (SELECT id FROM hub.plan WHERE code = @PlanCode), 'active', CASE WHEN n % 20 = 7 THEN @midPrevious ELSE @longAgo END FROM g
                """,
                new { offset, from, to, cycleDay = (short)cycleDay, PlanCode, longAgo, midPrevious, longAgoDate = longAgo.UtcDateTime.Date },
                commandTimeout: 0, cancellationToken: ct)).ConfigureAwait(false);
            progress?.Report(to);
        }

        await conn.ExecuteAsync(new CommandDefinition("ANALYZE hub.billing_profile; ANALYZE hub.subscription; ANALYZE hub.invoice;", commandTimeout: 0, cancellationToken: ct)).ConfigureAwait(false);
    }
}
