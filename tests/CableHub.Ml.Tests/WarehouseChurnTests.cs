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
        CREATE TABLE hub.product_order (id UUID, customer_id UUID, state String, channel String, requested_at DateTime64(6, 'UTC'), updated_at DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.invoice (id UUID, kind String, billing_account_id UUID, customer_id UUID, issue_date Date32, due_date Date32, total Decimal(38, 2), open_amount Decimal(38, 2), status String, issued_at DateTime64(6, 'UTC'), settled_at Nullable(DateTime64(6, 'UTC'))) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.billing_charge (id UUID, billing_account_id UUID, kind String, source_id UUID, description String, amount Decimal(38, 2), currency String, charged_at DateTime64(6, 'UTC'), status String) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.subscription_change (id UUID, subscription_id UUID, kind String, from_plan_id Nullable(UUID), to_plan_id Nullable(UUID), reason Nullable(String), effective_at DateTime64(6, 'UTC'), recorded_at DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE hub.trouble_ticket (id UUID, customer_id UUID, ticket_type String, severity String, status String, device_id Nullable(UUID), creation_date DateTime64(6, 'UTC'), resolution_date Nullable(DateTime64(6, 'UTC'))) ENGINE = MergeTree ORDER BY id
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
        Cell("D-vod", "payment_delay_days_avg_180d").ShouldBe(""); // no invoice due in the window: blank, not "on time"
        Cell("D-vod", "late_fees_180d").ShouldBe("0");
        Cell("D-vod", "tickets_90d").ShouldBe("0");                 // no ticket: 0
        Cell("D-vod", "stb_faults_90d").ShouldBe("0");

        // Billing and lifecycle as they stood at the cut-off, whatever happened after it.
        Cell("F-late", "payment_delay_days_avg_180d").ShouldBe("15"); // paid 20 days late; 10 days overdue at the cut-off (paid later)
        Cell("F-late", "invoices_paid_late_180d").ShouldBe("2");
        Cell("F-late", "invoices_overdue_at_cutoff").ShouldBe("1");
        Cell("F-late", "suspensions_365d").ShouldBe("2");            // the one after the cut-off is not counted
        Cell("F-late", "dunning_suspensions_365d").ShouldBe("1");
        Cell("F-late", "suspended_at_cutoff").ShouldBe("1");
        Cell("F-late", "box_swaps_90d").ShouldBe("1");               // one swap before, one after the cut-off
        // Tickets opened in (cutoff-90d, cutoff]: at -30 d, -10 d, -5 d and exactly at the cut-off; not the one exactly 90 days
        // before, the older one, or those after the cut-off (one a second after it). STB faults: the two in the window naming the
        // box (-10 d and at the cut-off), not the stbFault without a box (-5 d).
        Cell("F-late", "tickets_90d").ShouldBe("4");
        Cell("F-late", "stb_faults_90d").ShouldBe("2");
        Cell("F-late", "late_fees_180d").ShouldBe("75.5");           // 50 + 25.50 in the window; not the older one, the later one, or a manual adjustment
        Cell("F-late", "plan_code").ShouldBe("BASIC");               // hub.subscription says PREMIUM: changed after the cut-off
        Cell("F-late", "downgrades_365d").ShouldBe("1");             // FAMILY → BASIC before the cut-off
        Cell("F-late", "upgrades_365d").ShouldBe("0");               // BASIC → PREMIUM after it
        Cell("F-late", "monthly_price").ShouldBe("199");
        rows.Count.ShouldBe(4 + hub.ActiveAtCutoff);

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
        result.Profiles.Single(p => p.Name == "late_fees_180d").Kind.ShouldBe(ColumnKind.Numeric); // dunning's late fees: a feature
        result.Profiles.Single(p => p.Name == "tickets_90d").Kind.ShouldBe(ColumnKind.Numeric);    // trouble tickets: a feature
        result.Profiles.Single(p => p.Name == "stb_faults_90d").IsFeature.ShouldBeTrue();
        var ranking = string.Join(", ", result.Importance.Select(f => $"{f.Column} {f.AucDrop:0.000}"));
        var top = result.Importance.Take(6).Select(f => f.Column).ToList();
        top.ShouldContain("payment_method", ranking);
        // Late payers churn more: their signal (delays, late invoices, dunning suspensions — correlated, so the AUC drop is
        // shared among them) is among the top columns; owners of faulty boxes churn more: shuffling the swaps costs AUC.
        top.Intersect(["payment_delay_days_avg_180d", "invoices_paid_late_180d", "invoices_overdue_at_cutoff", "suspensions_365d", "dunning_suspensions_365d", "late_fees_180d"]).ShouldNotBeEmpty(ranking);
        // Owners of faulty boxes churn more: their STB-fault tickets (and swaps) carry the trait; shuffling the ticket counts costs AUC.
        result.Importance.Where(f => f.Column is "stb_faults_90d" or "tickets_90d").Max(f => f.AucDrop).ShouldBeGreaterThan(0, ranking);

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
        reader.Dispose();

        // The daily run: nothing before the day's time (02:00 Kolkata), once after it, not again the same day.
        var clock = new MovableTime(new DateTimeOffset(T0.AddDays(702).AddHours(20), TimeSpan.Zero)); // 01:30 Kolkata
        var daily = new DailyChurnScoring(new DailyChurnScoringOptions { ConnectionString = clickHouse.ConnectionString, RegistryRoot = dir.Path, Model = "churn", HorizonDays = 60 },
            clock, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        daily.NextRun(clock.GetUtcNow()).ShouldBe(new DateTimeOffset(T0.AddDays(702).AddHours(20).AddMinutes(30), TimeSpan.Zero));
        (await daily.RunIfDueAsync(Ct)).ShouldBeNull();
        clock.Now = clock.Now.AddHours(1); // 02:30
        var due = await daily.RunIfDueAsync(Ct);
        due.ShouldNotBeNull();
        due.ScoreDate.ShouldBe(DateOnly.FromDateTime(T0.AddDays(703)));
        due.Customers.ShouldBeGreaterThan(100);
        (await daily.RunIfDueAsync(Ct)).ShouldBeNull();
        daily.NextRun(clock.GetUtcNow()).ShouldBe(new DateTimeOffset(T0.AddDays(703).AddHours(20).AddMinutes(30), TimeSpan.Zero));
        using var check = await client.ExecuteReaderAsync(
            $"SELECT count() FROM marts.fact_churn_score FINAL WHERE score_date = '{due.ScoreDate:yyyy-MM-dd}'", cancellationToken: Ct);
        check.Read().ShouldBeTrue();
        Convert.ToInt64(check.GetValue(0)).ShouldBe(due.Customers);
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
        var ids = new Random(5);
        Guid NextId() // seeded ids: the feature table is ordered by customer id, so the split (and the model) is the same every run
        {
            var bytes = new byte[16];
            ids.NextBytes(bytes);
            return new Guid(bytes);
        }

        var lco = NextId();
        var plans = new[] { ("BASIC", 199m, "monthly"), ("FAMILY", 349m, "monthly"), ("PREMIUM", 599m, "monthly"), ("ANNUAL", 3000m, "annual") }
            .Select(p => (Id: NextId(), Code: p.Item1, Price: p.Item2, Period: p.Item3)).ToArray();
        var channels = Enumerable.Range(0, 20).Select(i => (Id: NextId(), Genre: new[] { "news", "sports", "movies", "kids" }[i % 4], Hd: i % 3 == 0)).ToArray();
        int ChannelCount(int plan) => plan switch { 0 => 5, 1 => 10, 2 => 20, _ => 10 };

        var customers = new List<object?[]>();
        var accounts = new List<object?[]>();
        var subscriptions = new List<object?[]>();
        var entitlements = new List<object?[]>();
        var vod = new List<object?[]>();
        var orders = new List<object?[]>();
        var invoices = new List<object?[]>();
        var changes = new List<object?[]>();
        var charges = new List<object?[]>();
        var tickets = new List<object?[]>();
        var ticketRandom = new Random(23); // tickets draw from their own streams: the other values are as they were before tickets existed
        var ticketIds = new Random(29);
        Guid TicketId()
        {
            var bytes = new byte[16];
            ticketIds.NextBytes(bytes);
            return new Guid(bytes);
        }

        void AddTicket(Guid customer, string type, DateTime opened, Guid? device = null) =>
            tickets.Add([TicketId(), customer, type, "major", "closed", device, opened, opened.AddDays(2)]);

        Guid AddCustomer(string number, string payment)
        {
            var id = NextId();
            customers.Add([id, number, "active", "en", lco, T0]);
            accounts.Add([NextId(), id, payment, false]);
            return id;
        }

        Guid AddSubscription(Guid customer, int plan, DateTime start, DateTime? end, Guid? subscriptionId = null)
        {
            var account = (Guid)accounts.Last(a => (Guid)a[1]! == customer)[0]!;
            var id = subscriptionId ?? NextId();
            subscriptions.Add([id, customer, account, plans[plan].Id, end is null ? "active" : "terminated", start, end]);
            var box = NextId();
            foreach (var channel in channels.Take(ChannelCount(plan)))
            {
                entitlements.Add([NextId(), box, channel.Id, id, start, end]);
            }

            orders.Add([NextId(), customer, "completed", random.NextDouble() < 0.5 ? "api" : "lco", start.AddDays(-1), start]);
            return id;
        }

        Guid AddInvoice(Guid customer, DateTime issued, int dueDays, DateTime? settled)
        {
            var account = (Guid)accounts.Last(a => (Guid)a[1]! == customer)[0]!;
            var paid = settled is { } at && at <= AsOf;
            var id = NextId();
            invoices.Add([id, "invoice", account, customer, DateOnly.FromDateTime(issued), DateOnly.FromDateTime(issued.AddDays(dueDays)), 236m, paid ? 0m : 236m,
                paid ? "paid" : "issued", issued, paid ? settled : null]);
            return id;
        }

        // As the dunning saga charges a late fee: kind adjustment, the overdue invoice as source.
        void AddCharge(Guid customer, Guid source, decimal amount, DateTime at, string description = "Late fee") =>
            charges.Add([NextId(), (Guid)accounts.Last(a => (Guid)a[1]! == customer)[0]!, "adjustment", source, description, amount, "INR", at, "billed"]);

        void AddChange(Guid subscription, string kind, DateTime at, string? reason = null, int? fromPlan = null, int? toPlan = null) =>
            changes.Add([NextId(), subscription, kind, fromPlan is { } f ? plans[f].Id : null, toPlan is { } t ? plans[t].Id : null, reason, at, at]);

        // Point-in-time cases around Cutoff.
        AddSubscription(AddCustomer("A-future", "online"), 0, Cutoff.AddDays(1), null);
        AddSubscription(AddCustomer("B-leaves", "cash"), 1, Cutoff.AddDays(-200), Cutoff.AddDays(10));
        var c = AddCustomer("C-upgrades", "card");
        AddSubscription(c, 0, Cutoff.AddDays(-200), Cutoff.AddDays(10));
        AddSubscription(c, 2, Cutoff.AddDays(10), null);
        var d = AddCustomer("D-vod", "direct_debit");
        AddSubscription(d, 0, Cutoff.AddDays(-100), null);
        vod.Add([NextId(), d, 100m, Cutoff.AddDays(-5), "active"]);
        vod.Add([NextId(), d, 999m, Cutoff.AddDays(5), "active"]);
        AddSubscription(AddCustomer("E-gone", "online"), 0, Cutoff.AddDays(-300), Cutoff.AddDays(-10));
        var f = AddCustomer("F-late", "online");
        var fSub = AddSubscription(f, 2, Cutoff.AddDays(-200), null); // PREMIUM now; BASIC at the cut-off
        AddChange(fSub, "plan_change", Cutoff.AddDays(-50), fromPlan: 1, toPlan: 0);
        AddChange(fSub, "plan_change", Cutoff.AddDays(5), fromPlan: 0, toPlan: 2);
        var fOld = AddInvoice(f, Cutoff.AddDays(-250), 30, Cutoff.AddDays(-219)); // due before the 180-day window
        var fLate = AddInvoice(f, Cutoff.AddDays(-70), 30, Cutoff.AddDays(-20));  // due -40, paid -20: 20 days late
        var fOpen = AddInvoice(f, Cutoff.AddDays(-40), 30, Cutoff.AddDays(5));    // due -10, paid after the cut-off: 10 days overdue at it
        var fNext = AddInvoice(f, Cutoff.AddDays(10), 15, null);                  // issued after the cut-off
        AddCharge(f, fOld, 40m, Cutoff.AddDays(-210));        // late fee before the 180-day window
        AddCharge(f, fLate, 50m, Cutoff.AddDays(-30));        // in the window
        AddCharge(f, fOpen, 25.50m, Cutoff.AddDays(-1));      // in the window
        AddCharge(f, fNext, 50m, Cutoff.AddDays(40));         // after the cut-off
        AddCharge(f, NextId(), -30m, Cutoff.AddDays(-3), "Goodwill credit"); // an adjustment that is no late fee (no invoice as source)
        AddChange(fSub, "suspend", Cutoff.AddDays(-100), "vacation");
        AddChange(fSub, "restore", Cutoff.AddDays(-90));
        AddChange(fSub, "suspend", Cutoff.AddDays(-5), "dunning");
        AddChange(fSub, "restore", Cutoff.AddDays(3));
        AddChange(fSub, "suspend", Cutoff.AddDays(20), "dunning");
        AddChange(fSub, "device_swap", Cutoff.AddDays(-30));
        AddChange(fSub, "device_swap", Cutoff.AddDays(3));
        var fBox = (Guid)entitlements.Last(e => (Guid)e[3]! == fSub)[1]!;
        AddTicket(f, "incident", Cutoff.AddDays(-120));                    // before the window
        AddTicket(f, "complaint", Cutoff.AddDays(-90));                    // exactly 90 days before: outside (cutoff-90d, cutoff]
        AddTicket(f, "incident", Cutoff.AddDays(-30));                     // in
        AddTicket(f, "stbFault", Cutoff.AddDays(-10), fBox);               // in, an STB fault
        AddTicket(f, "stbFault", Cutoff, fBox);                            // at the cut-off: in, an STB fault
        AddTicket(f, "stbFault", Cutoff.AddDays(-5));                      // in, but names no box: a ticket, not an STB fault
        AddTicket(f, "stbFault", Cutoff.AddSeconds(1), fBox);              // after the cut-off: not counted
        AddTicket(f, "billing", Cutoff.AddDays(20));                       // after the cut-off: not counted

        // Simulated subscribers: cash payers, premium plans and no VOD churn more; annual contracts and direct debit less;
        // late payers (bills settled 5–45 days after the due date, dunning suspensions) and owners of faulty boxes (swaps)
        // churn more.
        string[] payments = ["online", "cash", "direct_debit", "card"];
        var activeAtCutoff = 0;
        for (var i = 0; i < 900; i++)
        {
            var payment = payments[random.Next(payments.Length)];
            var customer = AddCustomer($"S{i:0000}", payment);
            var plan = random.Next(plans.Length);
            var vodUser = random.NextDouble() < 0.4;
            var start = T0.AddDays(random.Next(0, 540));
            var latePayer = random.NextDouble() < 0.25;
            var faultyBox = random.NextDouble() < 0.2;
            var hazard = 0.025 * (payment == "cash" ? 2.5 : payment == "direct_debit" ? 0.4 : 1) * (plan == 3 ? 0.3 : plan == 2 ? 1.6 : 1) * (vodUser ? 0.5 : 1.2)
                * (latePayer ? 3 : 1) * (faultyBox ? 2.5 : 1);
            var current = start;
            var currentPlan = plan;
            var subscription = NextId();
            DateTime? end = null;
            for (var month = current.AddDays(30); month < AsOf; month = month.AddDays(30))
            {
                var issued = month.AddDays(-30);
                var settled = latePayer ? issued.AddDays(15 + random.Next(5, 45)) : issued.AddDays(15 - random.Next(0, 10));
                var invoice = AddInvoice(customer, issued, 15, settled);
                if (settled > issued.AddDays(25))
                {
                    AddCharge(customer, invoice, 50m, issued.AddDays(25)); // still open 10 days after the due date: dunning's late fee
                }
                if (latePayer && random.NextDouble() < 0.25)
                {
                    AddChange(subscription, "suspend", month.AddDays(-5), "dunning");
                    AddChange(subscription, "restore", month.AddDays(-2));
                }

                if (faultyBox && random.NextDouble() < 0.35)
                {
                    var swapped = month.AddDays(-random.Next(1, 29));
                    AddChange(subscription, "device_swap", swapped);
                    AddTicket(customer, "stbFault", swapped.AddDays(-ticketRandom.Next(1, 6)), TicketId() /* the box: the features only need that one is named */);
                }

                // Faulty boxes also fail between swaps; late payers complain about bills; everyone has some incidents.
                if (faultyBox && ticketRandom.NextDouble() < 0.15)
                {
                    AddTicket(customer, "stbFault", month.AddDays(-ticketRandom.Next(0, 30)), TicketId());
                }

                if (latePayer && ticketRandom.NextDouble() < 0.15)
                {
                    AddTicket(customer, "billing", month.AddDays(-ticketRandom.Next(0, 30)));
                }

                if (ticketRandom.NextDouble() < 0.05)
                {
                    AddTicket(customer, "incident", month.AddDays(-ticketRandom.Next(0, 30)));
                }

                if (vodUser && random.NextDouble() < 0.6)
                {
                    vod.Add([NextId(), customer, (decimal)random.Next(49, 199), month.AddDays(-random.Next(0, 30)), "active"]);
                }

                if (random.NextDouble() < hazard)
                {
                    end = month.AddDays(-random.Next(0, 30));
                    break;
                }

                if (random.NextDouble() < 0.03)
                {
                    AddSubscription(customer, currentPlan, current, month, subscription);
                    current = month;
                    currentPlan = random.Next(plans.Length);
                    subscription = NextId();
                }
            }

            AddSubscription(customer, currentPlan, current, end, subscription);
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
        await InsertAsync(client, "hub.invoice", ["id", "kind", "billing_account_id", "customer_id", "issue_date", "due_date", "total", "open_amount", "status", "issued_at", "settled_at"], invoices);
        await InsertAsync(client, "hub.billing_charge", ["id", "billing_account_id", "kind", "source_id", "description", "amount", "currency", "charged_at", "status"], charges);
        await InsertAsync(client, "hub.subscription_change", ["id", "subscription_id", "kind", "from_plan_id", "to_plan_id", "reason", "effective_at", "recorded_at"], changes);
        await InsertAsync(client, "hub.trouble_ticket", ["id", "customer_id", "ticket_type", "severity", "status", "device_id", "creation_date", "resolution_date"], tickets);
        return new SeededHub(activeAtCutoff);
    }

    private static async Task InsertAsync(ClickHouseClient client, string table, string[] columns, IReadOnlyCollection<object?[]> rows) =>
        await client.InsertBinaryAsync(table, columns, rows, new InsertOptions { BatchSize = Math.Max(1, rows.Count) }, Ct);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class MovableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
