using CableHub.Billing.BillRuns;
using CableHub.Billing.Contracts;
using CableHub.Billing.Invoices;
using CableHub.Demo;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Billing.Tests;

/// <summary>The catalog test database (three customers on cycle day 5, plan FAMILY-M 299.00) with billing profiles for them.</summary>
internal static class BillingDatabase
{
    public static readonly DateOnly February5 = new(2026, 2, 5);

    public static async Task<CatalogDatabase> CreateAsync(PostgresFixture postgres, int benchAccounts = 0)
    {
        var db = await CatalogDatabase.CreateAsync(postgres);
        var profiles = db.Get<IBillingProfiles>();
        for (var i = 1; i <= 3; i++)
        {
            (await profiles.EnsureAsync(db.Id("account:" + i), "monthly", default)).ShouldBeTrue();
        }

        if (benchAccounts > 0)
        {
            await BillingBenchData.SeedAccountsAsync(db.DataSource, benchAccounts, 5, February5);
        }

        return db;
    }

    public static InvoiceStore Invoices(this CatalogDatabase db) => db.Get<InvoiceStore>();

    public static BillRunner Runner(this CatalogDatabase db) => db.Get<BillRunner>();

    /// <summary>Per series: numbers issued, the smallest and largest sequence, and the counter's next number.</summary>
    public static async Task<(long Count, long Min, long Max, long Next)> SeriesAsync(this CatalogDatabase db, string series)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<(long, long, long, long)>(
            "SELECT count(i.*), coalesce(min(i.seq), 0), coalesce(max(i.seq), 0), s.next_number FROM hub.invoice_series s LEFT JOIN hub.invoice i ON i.series = s.code WHERE s.code = @series GROUP BY s.next_number",
            new { series });
    }
}
