using CableHub.Ml.Data;
using CableHub.Ml.Registry;
using CableHub.Ml.Training;
using CableHub.Ml.Warehouse;
using CableHub.Testing;
using ClickHouse.Driver;
using ClickHouse.Driver.Copy;

namespace CableHub.Ml.Tests;

/// <summary>
/// The feature SQL and the scoring routine on a real ClickHouse engine (embedded chDB), over <c>hub.*</c> tables with
/// the column names and types the warehouse ingester gives the current-state views.
/// </summary>
public sealed class WarehouseChurnTests(ClickHouseFixture clickHouse) : IClassFixture<ClickHouseFixture>
{
    private static readonly DateTime T0 = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Cutoff = T0.AddDays(400);
    private static readonly DateTime AsOf = T0.AddDays(720);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Column names and types as the ingester creates them for the hub.* views (uuid → UUID, timestamptz →
    // DateTime64(6, 'UTC'), numeric(12,2) → Decimal(38, 2), nullable columns Nullable).
    private const string HubSchema = """
        CREATE DATABASE IF NOT EXISTS hub;
        CREATE TABLE hub.lco (id UUID, code String, region String) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.customer (id UUID, customer_number String, status String, preferred_language String, lco_id Nullable(UUID), created_at DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.billing_account (id UUID, customer_id UUID, payment_method String, prepaid Bool) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.plan (id UUID, code String, price Decimal(38, 2), billing_period String) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.channel (id UUID, code String, genre String, definition String, free_to_air Bool) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.subscription (id UUID, customer_id UUID, billing_account_id UUID, plan_id UUID, status String, start_at Nullable(DateTime64(6, 'UTC')), end_at Nullable(DateTime64(6, 'UTC'))) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.entitlement (id UUID, device_id UUID, channel_id UUID, subscription_id UUID, valid_from DateTime64(6, 'UTC'), valid_to Nullable(DateTime64(6, 'UTC'))) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.price_change_notice (id UUID, item_kind String, channel_id Nullable(UUID), package_id Nullable(UUID), old_amount Nullable(Decimal(38, 2)), new_amount Decimal(38, 2), effective_from DateTime64(6, 'UTC'), announced_at DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.vod_purchase (id UUID, customer_id UUID, amount Decimal(38, 2), purchased_at DateTime64(6, 'UTC'), status String) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.product_order (id UUID, customer_id UUID, state String, channel String, requested_at DateTime64(6, 'UTC'), updated_at DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY id
        """;

    [Fact]
    public async Task Features_use_only_facts_known_at_the_cutoff_and_label_churn_within_the_horizon()
    {
        var hub = await SeedAsync();
        var table = await ChurnWarehouse.ReadFeaturesAsync(clickHouse.ConnectionString, Cutoff, 30, AsOf, Ct);
        var rows = table.Rows.ToDictionary(r => r[table.IndexOf("customer_number")]);
        string Cell(string customer, string column) => rows[customer][table.IndexOf(column)];

        rows.ShouldNotContainKey("A-future");     // starts after the cut-off
        rows.ShouldNotContainKey("E-gone");       // ended before the cut-off
        Cell("B-leaves", "churned").ShouldBe("1"); // ends 10 days after the cut-off, nothing replaces it
        Cell("B-leaves", "tenure_days").ShouldBe("200");
        Cell("C-upgrades", "churned").ShouldBe("0"); // plan changed inside the horizon: not churn
        Cell("C-upgrades", "upgrades_365d").ShouldBe("0"); // the upgrade happens after the cut-off
        Cell("C-upgrades", "plan_code").ShouldBe("BASIC");
        Cell("D-vod", "vod_spend_90d").ShouldBe("100");    // the purchase after the cut-off is not counted
        Cell("D-vod", "vod_purchases_90d").ShouldBe("1");
        Cell("D-vod", "channels").ShouldBe("5");
        Cell("D-vod", "payment_delay_days_avg_180d").ShouldBe(""); // extension point, NULL until billing exists
        rows.Count.ShouldBe(3 + hub.ActiveAtCutoff);

        var early = await ChurnWarehouse.ReadFeaturesAsync(clickHouse.ConnectionString, Cutoff, 30, Cutoff.AddDays(5), Ct);
        early.Rows.ShouldAllBe(r => r[early.IndexOf("churned")] == ""); // label unknown until cut-off + horizon has passed
    }

    [Fact]
    public async Task A_model_trained_on_warehouse_features_beats_chance_and_its_scores_land_in_fact_churn_score()
    {
        await SeedAsync();
        var cutoffs = Enumerable.Range(0, 7).Select(i => T0.AddDays(180 + (i * 60))).ToList();
        var parts = new List<RawTable>();
        foreach (var cutoff in cutoffs)
        {
            parts.Add(await ChurnWarehouse.ReadFeaturesAsync(clickHouse.ConnectionString, cutoff, 60, AsOf, Ct));
        }

        var training = new RawTable(parts[0].Columns, [.. parts.SelectMany(p => p.Rows)], "warehouse");
        var result = ChurnTrainer.Train(training, new TrainOptions { Label = ChurnWarehouse.LabelColumn, IdColumns = ChurnWarehouse.IdColumns, Candidates = Candidates.Select("lightgbm-small,linear"), Folds = 3, PermutationRepeats = 1 });
        result.Test.Auc.ShouldBeGreaterThan(0.65); // a random ranking scores 0.5
        result.Profiles.Single(p => p.Name == "customer_id").IsFeature.ShouldBeFalse();
        result.Profiles.Single(p => p.Name == "late_fees_180d").Kind.ShouldBe(ColumnKind.Constant); // placeholder: dropped until filled
        result.Importance.Take(5).Select(f => f.Column).ShouldContain("payment_method");

        using var dir = new TempDirectory("ml-registry");
        var model = new ModelRegistry(dir.Path).Register(result, "churn", TimeProvider.System);
        var scoringTime = new FixedTime(new DateTimeOffset(T0.AddDays(700).AddHours(20), TimeSpan.Zero)); // 01:30 next day in Kolkata
        var run = await ChurnWarehouse.ScoreAsync(clickHouse.ConnectionString, model, T0.AddDays(700), 60, scoringTime, "Asia/Kolkata", Ct);
        run.Customers.ShouldBeGreaterThan(100);
        run.ScoreDate.ShouldBe(DateOnly.FromDateTime(T0.AddDays(701)));
        await ChurnWarehouse.ScoreAsync(clickHouse.ConnectionString, model, T0.AddDays(700), 60, scoringTime, "Asia/Kolkata", Ct); // same day again: replaces

        using var client = clickHouse.CreateClient();
        using var reader = await client.ExecuteReaderAsync(
            "SELECT count(), uniqExact(customer_id), countIf(risk_band = 'high'), min(probability), max(probability), countIf(risk_band = 'high' AND length(top_reasons) = 0), any(model_version) FROM marts.fact_churn_score FINAL",
            cancellationToken: Ct);
        reader.Read().ShouldBeTrue();
        Convert.ToInt64(reader.GetValue(0)).ShouldBe(run.Customers);
        Convert.ToInt64(reader.GetValue(1)).ShouldBe(run.Customers);
        Convert.ToInt64(reader.GetValue(2)).ShouldBe(run.Bands.GetValueOrDefault("high"));
        Convert.ToDouble(reader.GetValue(3)).ShouldBeGreaterThanOrEqualTo(0);
        Convert.ToDouble(reader.GetValue(4)).ShouldBeLessThanOrEqualTo(1);
        Convert.ToInt64(reader.GetValue(5)).ShouldBe(0); // every high-risk score carries its reasons
        Convert.ToInt64(reader.GetValue(6)).ShouldBe(1);
    }

    private sealed record SeededHub(int ActiveAtCutoff);

    /// <summary>Hand-made customers for the point-in-time checks plus simulated subscribers with churn drivers.</summary>
    private async Task<SeededHub> SeedAsync()
    {
        using var client = clickHouse.CreateClient();
        await client.ExecuteNonQueryAsync("DROP DATABASE IF EXISTS hub", cancellationToken: Ct);
        await client.ExecuteNonQueryAsync("DROP DATABASE IF EXISTS marts", cancellationToken: Ct);
        foreach (var statement in HubSchema.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            await client.ExecuteNonQueryAsync(statement, cancellationToken: Ct);
        }

        var random = new Random(11);
        var lco = Guid.NewGuid();
        var plans = new[] { ("BASIC", 199m, "monthly"), ("FAMILY", 349m, "monthly"), ("PREMIUM", 599m, "monthly"), ("ANNUAL", 3000m, "annual") }
            .Select(p => (Id: Guid.NewGuid(), Code: p.Item1, Price: p.Item2, Period: p.Item3)).ToArray();
        var channels = Enumerable.Range(0, 20).Select(i => (Id: Guid.NewGuid(), Genre: new[] { "news", "sports", "movies", "kids" }[i % 4], Hd: i % 3 == 0)).ToArray();
        int ChannelCount(int plan) => plan switch { 0 => 5, 1 => 10, 2 => 20, _ => 10 };

        var customers = new List<object?[]>();
        var accounts = new List<object?[]>();
        var subscriptions = new List<object?[]>();
        var entitlements = new List<object?[]>();
        var vod = new List<object?[]>();
        var orders = new List<object?[]>();

        Guid AddCustomer(string number, string payment)
        {
            var id = Guid.NewGuid();
            customers.Add([id, number, "active", "en", lco, T0]);
            accounts.Add([Guid.NewGuid(), id, payment, false]);
            return id;
        }

        void AddSubscription(Guid customer, int plan, DateTime start, DateTime? end)
        {
            var account = (Guid)accounts.Last(a => (Guid)a[1]! == customer)[0]!;
            var id = Guid.NewGuid();
            subscriptions.Add([id, customer, account, plans[plan].Id, end is null ? "active" : "terminated", start, end]);
            var box = Guid.NewGuid();
            foreach (var channel in channels.Take(ChannelCount(plan)))
            {
                entitlements.Add([Guid.NewGuid(), box, channel.Id, id, start, end]);
            }

            orders.Add([Guid.NewGuid(), customer, "completed", random.NextDouble() < 0.5 ? "api" : "lco", start.AddDays(-1), start]);
        }

        // Point-in-time cases around Cutoff.
        AddSubscription(AddCustomer("A-future", "online"), 0, Cutoff.AddDays(1), null);
        AddSubscription(AddCustomer("B-leaves", "cash"), 1, Cutoff.AddDays(-200), Cutoff.AddDays(10));
        var c = AddCustomer("C-upgrades", "card");
        AddSubscription(c, 0, Cutoff.AddDays(-200), Cutoff.AddDays(10));
        AddSubscription(c, 2, Cutoff.AddDays(10), null);
        var d = AddCustomer("D-vod", "direct_debit");
        AddSubscription(d, 0, Cutoff.AddDays(-100), null);
        vod.Add([Guid.NewGuid(), d, 100m, Cutoff.AddDays(-5), "active"]);
        vod.Add([Guid.NewGuid(), d, 999m, Cutoff.AddDays(5), "active"]);
        AddSubscription(AddCustomer("E-gone", "online"), 0, Cutoff.AddDays(-300), Cutoff.AddDays(-10));

        // Simulated subscribers: cash payers, premium plans and no VOD churn more; annual contracts and direct debit less.
        string[] payments = ["online", "cash", "direct_debit", "card"];
        var activeAtCutoff = 0;
        for (var i = 0; i < 900; i++)
        {
            var payment = payments[random.Next(payments.Length)];
            var customer = AddCustomer($"S{i:0000}", payment);
            var plan = random.Next(plans.Length);
            var vodUser = random.NextDouble() < 0.4;
            var start = T0.AddDays(random.Next(0, 540));
            var hazard = 0.035 * (payment == "cash" ? 2.5 : payment == "direct_debit" ? 0.4 : 1) * (plan == 3 ? 0.3 : plan == 2 ? 1.6 : 1) * (vodUser ? 0.5 : 1.2);
            var current = start;
            var currentPlan = plan;
            DateTime? end = null;
            for (var month = current.AddDays(30); month < AsOf; month = month.AddDays(30))
            {
                if (vodUser && random.NextDouble() < 0.6)
                {
                    vod.Add([Guid.NewGuid(), customer, (decimal)random.Next(49, 199), month.AddDays(-random.Next(0, 30)), "active"]);
                }

                if (random.NextDouble() < hazard)
                {
                    end = month.AddDays(-random.Next(0, 30));
                    break;
                }

                if (random.NextDouble() < 0.03)
                {
                    AddSubscription(customer, currentPlan, current, month);
                    current = month;
                    currentPlan = random.Next(plans.Length);
                }
            }

            AddSubscription(customer, currentPlan, current, end);
            if (start <= Cutoff && (end is null || end > Cutoff))
            {
                activeAtCutoff++;
            }
        }

        await InsertAsync(client, "hub.lco", ["id", "code", "region"], [[lco, "LCO1", "North"]]);
        await InsertAsync(client, "hub.plan", ["id", "code", "price", "billing_period"], [.. plans.Select(p => new object?[] { p.Id, p.Code, p.Price, p.Period })]);
        await InsertAsync(client, "hub.channel", ["id", "code", "genre", "definition", "free_to_air"], [.. channels.Select((ch, i) => new object?[] { ch.Id, $"CH{i}", ch.Genre, ch.Hd ? "HD" : "SD", i == 0 })]);
        await InsertAsync(client, "hub.customer", ["id", "customer_number", "status", "preferred_language", "lco_id", "created_at"], customers);
        await InsertAsync(client, "hub.billing_account", ["id", "customer_id", "payment_method", "prepaid"], accounts);
        await InsertAsync(client, "hub.subscription", ["id", "customer_id", "billing_account_id", "plan_id", "status", "start_at", "end_at"], subscriptions);
        await InsertAsync(client, "hub.entitlement", ["id", "device_id", "channel_id", "subscription_id", "valid_from", "valid_to"], entitlements);
        await InsertAsync(client, "hub.vod_purchase", ["id", "customer_id", "amount", "purchased_at", "status"], vod);
        await InsertAsync(client, "hub.product_order", ["id", "customer_id", "state", "channel", "requested_at", "updated_at"], orders);
        return new SeededHub(activeAtCutoff);
    }

    private static async Task InsertAsync(ClickHouseClient client, string table, string[] columns, IReadOnlyCollection<object?[]> rows) =>
        await client.InsertBinaryAsync(table, columns, rows, new InsertOptions { BatchSize = Math.Max(1, rows.Count) }, Ct);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
