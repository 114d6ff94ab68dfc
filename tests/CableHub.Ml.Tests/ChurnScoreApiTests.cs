using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CableHub.Core.Api.Access;
using CableHub.Ml.Api;
using CableHub.Ml.Warehouse;
using CableHub.Modules.Testing;
using CableHub.Testing;
using ClickHouse.Driver;
using ClickHouse.Driver.Copy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CableHub.Ml.Tests;

/// <summary>
/// The customer-service read of churn scores over HTTP with real tokens (the hub's authentication and identity module on a
/// seeded database) against <c>marts.fact_churn_score</c> on the embedded ClickHouse engine.
/// </summary>
public sealed class ChurnScoreApiTests(PostgresFixture postgres, ClickHouseFixture clickHouse) : IClassFixture<PostgresFixture>, IClassFixture<ClickHouseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Customer_service_reads_the_latest_score_with_its_reasons_and_nobody_else_outside_staff_analytics_does()
    {
        await using var db = await CatalogDatabase.CreateAsync(postgres);
        var customer = db.ActiveCustomers[0];
        var unscored = db.ActiveCustomers[1];
        await ChurnWarehouse.EnsureScoreTableAsync(clickHouse.ConnectionString, Ct);
        var day1 = new DateTime(2026, 3, 1, 0, 30, 0, DateTimeKind.Utc);
        var day2 = day1.AddDays(1);
        using (var client = clickHouse.CreateClient())
        {
            object?[] Row(DateTime scoredAt, float probability, string band, string[] reasons, float[] effects) =>
                [customer, "C-0001", DateOnly.FromDateTime(scoredAt), scoredAt, scoredAt.Date, (ushort)60, "churn", 3u, probability, band, reasons, effects];
            await client.InsertBinaryAsync(
                ChurnWarehouse.ScoreTable,
                ["customer_id", "customer_number", "score_date", "scored_at", "cutoff", "horizon_days", "model_name", "model_version", "probability", "risk_band", "top_reasons", "reason_effects"],
                [
                    Row(day1, 0.12f, "low", ["tenure_days=40"], [0.02f]),
                    Row(day2, 0.55f, "high", ["payment_delay_days_avg_180d=31.5", "stb_faults_90d=2"], [0.21f, 0.08f]),            // replaced by the re-run
                    Row(day2.AddHours(1), 0.61f, "high", ["payment_delay_days_avg_180d=31.5", "stb_faults_90d=2", "payment_method=cash"], [0.24f, 0.09f, 0.03f]),
                ],
                new InsertOptions { BatchSize = 3 },
                Ct);
        }

        await using var app = await StartAsync(db);
        var path = $"{ChurnScoreEndpoints.BasePath}/customers/{customer}/score";

        var (status, body) = await app.GetAsync(path, await app.Identity.StaffTokenAsync(StaffRoles.CustomerService));
        status.ShouldBe(HttpStatusCode.OK);
        body.GetProperty("customerNumber").GetString().ShouldBe("C-0001");
        body.GetProperty("scoreDate").GetString().ShouldBe("2026-03-02");
        body.GetProperty("probability").GetDouble().ShouldBe(0.61, 1e-4);           // the same day's re-run replaced the first
        body.GetProperty("riskBand").GetString().ShouldBe("high");
        body.GetProperty("horizonDays").GetInt32().ShouldBe(60);
        body.GetProperty("model").GetProperty("version").GetInt32().ShouldBe(3);
        var reasons = body.GetProperty("reasons").EnumerateArray().ToList();
        reasons.Count.ShouldBe(3);
        reasons[0].GetProperty("column").GetString().ShouldBe("payment_delay_days_avg_180d");
        reasons[0].GetProperty("value").GetString().ShouldBe("31.5");
        reasons[0].GetProperty("effect").GetDouble().ShouldBe(0.24, 1e-4);
        body.GetProperty("use").GetString()!.ShouldContain("GDPR Art. 22");

        (await app.GetAsync(path, await app.Identity.StaffTokenAsync(StaffRoles.Analyst))).Status.ShouldBe(HttpStatusCode.OK);
        (await app.GetAsync($"{ChurnScoreEndpoints.BasePath}/customers/{unscored}/score", await app.Identity.StaffTokenAsync(StaffRoles.CustomerService)))
            .Status.ShouldBe(HttpStatusCode.NotFound);

        // Not for billing or inventory staff, not for the subscriber themselves, not for a client, not anonymous.
        (await app.GetAsync(path, await app.Identity.StaffTokenAsync(StaffRoles.BillingClerk))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.GetAsync(path, await app.Identity.StaffTokenAsync(StaffRoles.InventoryClerk))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.GetAsync(path, await app.Identity.SubscriberTokenAsync(customer))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.GetAsync(path, await app.Identity.ClientTokenAsync("churn-reader", ApiScopes.CustomersRead, ApiScopes.ReportsRead))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.GetAsync(path, null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private async Task<ScoreApp> StartAsync(CatalogDatabase db)
    {
        var address = new Uri($"http://127.0.0.1:{Network.FreePort()}");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Test" });
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders();
        ModuleServices.Register(builder.Services, db.DataSource, db.Clock, db.Events);
        TestIdentity.Register(builder.Services, address);
        builder.Services.AddChurnScores(clickHouse.ConnectionString);
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        app.UseExceptionHandler();
        TestIdentity.Use(app);
        app.MapChurnScoreEndpoints();
        EndpointAccessCheck.Verify(((IEndpointRouteBuilder)app).DataSources);
        await app.StartAsync(Ct);
        var http = new HttpClient { BaseAddress = address };
        return new ScoreApp(app, http, TestIdentity.For(app, http));
    }

    private sealed class ScoreApp(WebApplication app, HttpClient http, TestIdentity identity) : IAsyncDisposable
    {
        public TestIdentity Identity => identity;

        public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await http.SendAsync(request, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : default);
        }

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
