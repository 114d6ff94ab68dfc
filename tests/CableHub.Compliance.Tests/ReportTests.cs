using System.Globalization;
using System.Text;
using CableHub.Compliance.Reports;
using CableHub.Compliance.Reports.Signing;
using CableHub.Testing;
using ClickHouse.Driver.Utility;
using Microsoft.Extensions.Logging.Abstractions;
using MiniExcelLibs;
using UglyToad.PdfPig;

namespace CableHub.Compliance.Tests;

/// <summary>
/// The compliance reports over the hand-made November of <see cref="ComplianceWarehouse"/>: the monthly subscription
/// report's numbers against hand-computed ones, the registers, the profile, the exports and their signatures.
/// </summary>
[Collection(ComplianceWarehouseCollection.Name)]
public sealed class ReportTests(ComplianceWarehouse warehouse) : IDisposable
{
    private static readonly ReportPeriod November = new(2026, 11);
    private readonly TempDirectory _dir = new("cablehub-reports");
    private readonly RecordingAuditSink _audit = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_scheduler_took_the_four_november_snapshots_at_21_00_local()
    {
        warehouse.Snapshots.Where(s => s.SnapshotAt!.Value.Month == 11)
            .Select(s => TimeZoneInfo.ConvertTime(s.SnapshotAt!.Value, ComplianceWarehouse.Ist).ToString("dd HH:mm", CultureInfo.InvariantCulture))
            .ShouldBe(["07 21:00", "14 21:00", "21 21:00", "28 21:00"]);
    }

    [Fact]
    public async Task Monthly_subscription_report_equals_the_hand_computed_figures_one_file_per_broadcaster()
    {
        // Hand count (boxes at 21:00 on the 7th | 14th | 21st | 28th):
        //   CH1: D1 D3 D4 D5 | D1 D3 D4 D5 | D1 D2 D4 (D3 suspended, D5 gone) | D1 D2 D3 D4 → 4 4 3 4 → 3.75 (D1 holds it through two bouquets: once)
        //   CH2 and STARPACK (FAMILY: D1, D3): 2 2 1 2 → 1.75;  CH3 and BASE: as CH1;  CH4 (D4 à la carte from the 10th): 0 1 1 1 → 0.75
        var files = await ExportAsync(ReportKind.Msr, ReportFormat.Csv);
        files.Select(f => Path.GetFileName(f.Path)).ShouldBe(["msr-2026-11-STAR.csv", "msr-2026-11-ZEE.csv"]);
        const string header = "broadcaster_code,type,code,name,definition_or_kind,subscribers_2026-11-07,subscribers_2026-11-14,subscribers_2026-11-21,subscribers_2026-11-28,average_subscribers";
        Lines(files[0].Path).ShouldBe([
            header,
            "STAR,channel,CH1,Star One,SD,4,4,3,4,3.75",
            "STAR,channel,CH2,Star Two HD,HD,2,2,1,2,1.75",
            "STAR,bouquet,BASE,Base pack,distributor_bouquet,4,4,3,4,3.75",
            "STAR,bouquet,STARPACK,Star pack,broadcaster_bouquet,2,2,1,2,1.75",
        ]);
        Lines(files[1].Path).ShouldBe([
            header,
            "ZEE,channel,CH3,Zee Three,SD,4,4,3,4,3.75",
            "ZEE,channel,CH4,Zee Four,SD,0,1,1,1,0.75",
            "ZEE,a_la_carte,CH4,Zee Four,SD,0,1,1,1,0.75",
            "ZEE,bouquet,BASE,Base pack,distributor_bouquet,4,4,3,4,3.75",
        ]);
        files[0].Manifest.AsOf.ShouldBe(ComplianceWarehouse.IstInstant("2026-11-28 21:00"));
        files[0].Manifest.Parameters["snapshot_instants_utc"].ShouldBe("2026-11-07T15:30:00Z,2026-11-14T15:30:00Z,2026-11-21T15:30:00Z,2026-11-28T15:30:00Z");
    }

    [Fact]
    public async Task A_month_with_snapshots_missing_is_refused_naming_the_days()
    {
        // October: only the 28th was within the 35 days the scheduler looks back.
        var ex = await Should.ThrowAsync<ReportException>(() => Reporter().BuildAsync(ReportKind.Msr, new ReportPeriod(2026, 10), ct: Ct));
        ex.Message.ShouldContain("no entitlement snapshot for 2026-10-07, 2026-10-14, 2026-10-21");
    }

    [Fact]
    public async Task Subscriber_register_lists_every_subscription_of_the_month_with_how_it_began_and_ended()
    {
        var file = (await ExportAsync(ReportKind.Subscribers, ReportFormat.Csv)).Single();
        var lines = Lines(file.Path);
        lines[0].ShouldBe("customer_number,lco_code,city,state_or_province,country,subscription_id,plan_code,box_serial,cas_id,start,end,started_in_period,ended_in_period,active_at_end");
        lines.Skip(1).ShouldBe([
            $"C0000001,LCO1,Pune,MH,IN,{ComplianceWarehouse.Subscription(1)},FAMILY,SN-1,CAS-1,2026-10-01T10:00:00+05:30,,no,no,yes",
            $"C0000002,LCO1,Pune,MH,IN,{ComplianceWarehouse.Subscription(2)},BASIC,SN-2,CAS-2,2026-11-15T10:00:00+05:30,,yes,no,yes",
            $"C0000003,LCO1,Pune,MH,IN,{ComplianceWarehouse.Subscription(3)},FAMILY,SN-3,CAS-3,2026-10-01T10:00:00+05:30,,no,no,yes",
            $"C0000004,LCO1,Pune,MH,IN,{ComplianceWarehouse.Subscription(4)},BASIC,SN-4,CAS-4,2026-10-01T10:00:00+05:30,,no,no,yes",
            $"C0000005,LCO1,Pune,MH,IN,{ComplianceWarehouse.Subscription(5)},BASIC,SN-5,CAS-5,2026-10-01T10:00:00+05:30,2026-11-18T18:00:00+05:30,no,yes,no",
        ]);
    }

    [Fact]
    public async Task Activation_register_shows_joins_suspensions_resumptions_and_leavers_up_to_the_as_of_time()
    {
        var file = (await ExportAsync(ReportKind.Activations, ReportFormat.Csv)).Single();
        Lines(file.Path).Skip(1).Select(l => string.Join(',', l.Split(',') is var f ? new[] { f[0], f[1], f[3], f[5], f[6], f[8], f[9] } : [])).ShouldBe([
            "2026-11-10T08:00:00+05:30,activation,SN-4,C0000004,BASIC,1,CH4",
            "2026-11-15T10:00:00+05:30,activation,SN-2,C0000002,BASIC,2,CH1 CH3",
            "2026-11-18T18:00:00+05:30,deactivation,SN-5,C0000005,BASIC,2,CH1 CH3",
            "2026-11-20T12:00:00+05:30,deactivation,SN-3,C0000003,FAMILY,3,CH1 CH2 CH3",
            "2026-11-23T09:00:00+05:30,activation,SN-3,C0000003,FAMILY,3,CH1 CH2 CH3",
        ]);

        // As of the 21st the resumption had not happened yet.
        var asOf = ComplianceWarehouse.IstInstant("2026-11-21 00:00");
        var early = (await Reporter().BuildAsync(ReportKind.Activations, November, asOf, ct: Ct)).Single();
        early.Rows.Count.ShouldBe(4);
        early.Parameters["as_of_utc"].ShouldBe("2026-11-20T18:30:00.000Z");
    }

    [Fact]
    public async Task Csv_is_byte_identical_for_the_same_inputs_and_every_file_is_signed_and_recorded()
    {
        var first = await ExportAsync(ReportKind.Subscribers, ReportFormat.Csv);
        var bytes = await File.ReadAllBytesAsync(first[0].Path, Ct);
        var again = await ExportAsync(ReportKind.Subscribers, ReportFormat.Csv, Path.Combine(_dir.Path, "again"));
        (await File.ReadAllBytesAsync(again[0].Path, Ct)).ShouldBe(bytes);
        again[0].Manifest.Sha256.ShouldBe(first[0].Manifest.Sha256);

        var signer = Signer();
        var ok = signer.Verify(first[0].Path);
        ok.Valid.ShouldBeTrue(ok.Reason);
        _audit.Records.Select(r => r.Sha256).ShouldContain(first[0].Manifest.Sha256);
        _audit.Records[0].Report.ShouldBe("subscribers");
        _audit.Records[0].Parameters["month"].ShouldBe("2026-11");

        // One byte changed in the file; then a parameter changed in the manifest.
        bytes[^3] ^= 1;
        await File.WriteAllBytesAsync(first[0].Path, bytes, Ct);
        signer.Verify(first[0].Path).Reason.ShouldContain("the file changed");
        var manifest = first[0].Path + ExportManifest.Suffix;
        await File.WriteAllTextAsync(again[0].Path + ExportManifest.Suffix,
            (await File.ReadAllTextAsync(again[0].Path + ExportManifest.Suffix, Ct)).Replace("\"2026-11\"", "\"2026-10\"", StringComparison.Ordinal), Ct);
        var tampered = signer.Verify(again[0].Path);
        tampered.Valid.ShouldBeFalse();
        tampered.Reason.ShouldContain("manifest altered");
        File.Exists(manifest).ShouldBeTrue();

        // Another data directory's key does not vouch for it.
        new ExportSigner(Path.Combine(_dir.Path, "other.key")).Verify(again[0].Path).Reason.ShouldContain("signed with key");
    }

    [Fact]
    public async Task Xlsx_and_pdf_carry_the_same_numbers_and_the_pdf_has_its_plot()
    {
        var files = await ExportAsync(ReportKind.Msr, ReportFormat.Xlsx, formats: [ReportFormat.Xlsx, ReportFormat.Pdf]);
        files.Select(f => Path.GetFileName(f.Path)).ShouldBe(["msr-2026-11-STAR.xlsx", "msr-2026-11-STAR.pdf", "msr-2026-11-ZEE.xlsx", "msr-2026-11-ZEE.pdf"]);
        foreach (var f in files)
        {
            Signer().Verify(f.Path).Valid.ShouldBeTrue();
        }

        var rows = MiniExcel.Query(files[0].Path, useHeaderRow: true, sheetName: "report").Cast<IDictionary<string, object>>().ToList();
        rows.Count.ShouldBe(4);
        rows[0]["code"].ShouldBe("CH1");
        Convert.ToDouble(rows[0]["subscribers_2026-11-21"], CultureInfo.InvariantCulture).ShouldBe(3);
        Convert.ToDecimal(rows[0]["average_subscribers"], CultureInfo.InvariantCulture).ShouldBe(3.75m);
        MiniExcel.GetSheetNames(files[0].Path).ShouldBe(["report", "about"]);

        using var pdf = PdfDocument.Open(files[1].Path);
        var text = string.Join("\n", pdf.GetPages().Select(p => p.Text));
        text.ShouldContain("Monthly subscription report 2026-11");
        text.ShouldContain("STARPACK");
        text.ShouldContain("3.75");
        pdf.GetPage(1).GetImages().Count().ShouldBe(1); // subscribers per channel
    }

    [Fact]
    public async Task The_profile_chooses_the_reports()
    {
        ComplianceOptions.ParseProfile("IN").ShouldBe(RegulatoryProfile.India);
        ComplianceOptions.ParseProfile("eu").ShouldBe(RegulatoryProfile.EU);
        Should.Throw<ArgumentException>(() => ComplianceOptions.ParseProfile("UK")).Message.ShouldContain("Compliance:Profile 'UK'");
        ComplianceOptions.ReportsOf(RegulatoryProfile.India).ShouldBe([ReportKind.Msr, ReportKind.Subscribers, ReportKind.Activations, ReportKind.Reconciliation]);
        ComplianceOptions.ReportsOf(RegulatoryProfile.US).ShouldContain(ReportKind.AllIn);
        ComplianceOptions.ReportsOf(RegulatoryProfile.EU).ShouldNotContain(ReportKind.AllIn);
        ComplianceOptions.ReportsOf(RegulatoryProfile.India).ShouldNotContain(ReportKind.Revenue);

        var us = Reporter(RegulatoryProfile.US);
        (await Should.ThrowAsync<ReportException>(() => us.BuildAsync(ReportKind.Msr, November, ct: Ct))).Message.ShouldContain("not part of the US profile");
        (await us.BuildAsync(ReportKind.Revenue, November, ct: Ct)).Single().Report.ShouldBe(ReportKind.Revenue);
        (await us.BuildAsync(ReportKind.Subscribers, November, ct: Ct)).Single().Rows.Count.ShouldBe(5);
        (await Should.ThrowAsync<ReportException>(() => us.BuildAsync(ReportKind.Subscribers, November, warehouse.Clock.Now.AddDays(1), ct: Ct))).Message.ShouldContain("in the future");
    }

    [Fact]
    public async Task Revenue_register_reads_the_billing_facts_per_plan_and_tax_rate()
    {
        // November bills (raw CDC rows as the ingester writes them), then the marts' refresh.
        Guid inv1 = ComplianceWarehouse.G(7001), inv2 = ComplianceWarehouse.G(7002), cn = ComplianceWarehouse.G(7003);
        string Invoice(Guid id, string number, string kind, decimal subtotal, decimal tax, decimal open, string status, Guid? corrects) => string.Create(CultureInfo.InvariantCulture,
            $"SELECT '{id}', '{kind}', '{(kind == "invoice" ? "INV" : "CN")}', toInt64(1), '{number}', '{ComplianceWarehouse.G(601)}', '{ComplianceWarehouse.Customer(1)}', {(corrects is null ? "NULL" : $"'{corrects}'")}, toDate('2026-11-05'), toDate('2026-11-20'), 'INR', toDecimal128({subtotal}, 2), toDecimal128({tax}, 2), toDecimal128({subtotal + tax}, 2), toDecimal128({open}, 2), '{status}', 'IN', 'IN', toDateTime64('2026-11-05 04:00:00', 6, 'UTC')");
        string Line(Guid invoice, int no, string kind, decimal amount, Guid? subscription) => string.Create(CultureInfo.InvariantCulture,
            $"SELECT '{invoice}', toInt16({no}), '{kind}', '{kind} line', toDecimal128({amount}, 2), {(kind == "tax" ? "NULL" : "'cable_service'")}, toDecimal128(0.18, 4), {(subscription is null ? "NULL" : $"'{subscription}'")}, false");
        await BillingRawAsync("invoice", "id, kind, series, seq, invoice_number, billing_account_id, customer_id, corrects_invoice_id, issue_date, due_date, currency, subtotal, tax_total, total, open_amount, status, regulatory_profile, tax_jurisdiction, issued_at",
            $"{Invoice(inv1, "INV-000000101", "invoice", 349, 62.82m, 0, "paid", null)} UNION ALL {Invoice(inv2, "INV-000000102", "invoice", 199, 35.82m, 234.82m, "issued", null)} UNION ALL {Invoice(cn, "CN-000000101", "credit_note", -100, -18, 0, "issued", inv2)}");
        await BillingRawAsync("invoice_line", "invoice_id, line_no, kind, description, amount, tax_category, tax_rate, subscription_id, informational",
            $"{Line(inv1, 1, "recurring", 349, ComplianceWarehouse.Subscription(1))} UNION ALL {Line(inv1, 2, "tax", 62.82m, null)} UNION ALL " +
            $"{Line(inv2, 1, "recurring", 199, ComplianceWarehouse.Subscription(2))} UNION ALL {Line(inv2, 2, "tax", 35.82m, null)} UNION ALL " +
            $"{Line(cn, 1, "credit", -100, null)} UNION ALL {Line(cn, 2, "tax", -18, null)}");
        await new Warehouse.Marts.MartRefresher(warehouse.ClickHouse.ConnectionString, new Warehouse.Marts.MartOptions { ReportingTimeZone = ComplianceWarehouse.Zone, WatermarkOverlap = TimeSpan.Zero },
            Warehouse.Ddl.ClickHouseTopology.SingleNode, warehouse.Clock, NullLogger.Instance).RefreshAsync(ct: Ct);

        var us = Reporter(RegulatoryProfile.US);
        var document = (await us.BuildAsync(ReportKind.Revenue, November, ct: Ct)).Single();
        var file = (await us.ExportAsync([document], [ReportFormat.Csv], _dir.Path, "test", ct: Ct)).Single();
        Lines(file.Path).ShouldBe([
            "currency,plan_code,tax_rate,invoices,net_amount,tax_amount,gross_amount,credited_amount",
            "INR,(none),0.18,3,-100.00,80.64,-19.36,-118.00",
            "INR,BASIC,0.18,1,199.00,0.00,199.00,0.00",
            "INR,FAMILY,0.18,1,349.00,0.00,349.00,0.00",
        ]);
        document.Notes.ShouldContain("INR: 2 invoices billed 646.64, credited -118, settled 411.82, outstanding 234.82.");
        (await us.BuildAsync(ReportKind.Revenue, new ReportPeriod(2026, 10), ct: Ct)).Single().Rows.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_us_all_in_price_check_reads_the_invoice_lines_and_names_every_bill_without_the_all_in_line_first()
    {
        // September 2026, US bills: one right (all-in line 1), one without the line, one with it second; an Indian bill (not checked)
        // and a US bill issued after the as-of instant (left out).
        string Invoice(int n, string profile, string issued) => string.Create(CultureInfo.InvariantCulture,
            $"SELECT '{ComplianceWarehouse.G(8000 + n)}', 'invoice', 'INV', toInt64({n}), 'INV-US-{n:000}', '{ComplianceWarehouse.G(601)}', '{ComplianceWarehouse.Customer(1)}', NULL, toDate('{issued[..10]}'), toDate('2026-09-30'), 'USD', toDecimal128(50, 2), toDecimal128(4, 2), toDecimal128(54, 2), toDecimal128(54, 2), 'issued', '{profile}', 'US-CA', toDateTime64('{issued}', 6, 'UTC')");
        string Line(int invoice, int no, string kind, decimal amount) => string.Create(CultureInfo.InvariantCulture,
            $"SELECT '{ComplianceWarehouse.G(8000 + invoice)}', toInt16({no}), '{kind}', '{kind}', toDecimal128({amount}, 2), NULL, toDecimal128(0.08, 4), NULL, {(kind == "all_in_video_price" ? "true" : "false")}");
        await BillingRawAsync("invoice", "id, kind, series, seq, invoice_number, billing_account_id, customer_id, corrects_invoice_id, issue_date, due_date, currency, subtotal, tax_total, total, open_amount, status, regulatory_profile, tax_jurisdiction, issued_at",
            $"{Invoice(1, "US", "2026-09-05 04:00:00")} UNION ALL {Invoice(2, "US", "2026-09-06 04:00:00")} UNION ALL {Invoice(3, "US", "2026-09-07 04:00:00")} UNION ALL " +
            $"{Invoice(4, "IN", "2026-09-08 04:00:00")} UNION ALL {Invoice(5, "US", "2026-09-29 04:00:00")}");
        await BillingRawAsync("invoice_line", "invoice_id, line_no, kind, description, amount, tax_category, tax_rate, subscription_id, informational",
            $"{Line(1, 1, "all_in_video_price", 50)} UNION ALL {Line(1, 2, "recurring", 50)} UNION ALL {Line(1, 3, "tax", 4)} UNION ALL " +
            $"{Line(2, 1, "recurring", 50)} UNION ALL {Line(2, 2, "tax", 4)} UNION ALL " +
            $"{Line(3, 1, "recurring", 50)} UNION ALL {Line(3, 2, "all_in_video_price", 50)} UNION ALL {Line(3, 3, "tax", 4)} UNION ALL " +
            $"{Line(4, 1, "recurring", 50)} UNION ALL {Line(5, 1, "recurring", 50)}");

        var us = Reporter(RegulatoryProfile.US);
        var asOf = DateTimeOffset.Parse("2026-09-20T00:00:00Z", CultureInfo.InvariantCulture);
        var document = (await us.BuildAsync(ReportKind.AllIn, new ReportPeriod(2026, 9), asOf, ct: Ct)).Single();
        var file = (await us.ExportAsync([document], [ReportFormat.Csv], _dir.Path, "test", ct: Ct)).Single();
        Lines(file.Path).ShouldBe([
            "invoice_number,issue_date,customer_id,currency,subtotal,status,all_in_line_no,all_in_amount,lines",
            $"INV-US-001,2026-09-05,{ComplianceWarehouse.Customer(1)},USD,50.00,ok,1,50.00,3",
            $"INV-US-002,2026-09-06,{ComplianceWarehouse.Customer(1)},USD,50.00,missing,,,2",
            $"INV-US-003,2026-09-07,{ComplianceWarehouse.Customer(1)},USD,50.00,not_first,2,50.00,3",
        ]);
        document.Parameters["failing"].ShouldBe("2");
        document.Notes.ShouldContain(n => n.StartsWith("Result: FAILED", StringComparison.Ordinal));
        (await Should.ThrowAsync<ReportException>(() => Reporter().BuildAsync(ReportKind.AllIn, new ReportPeriod(2026, 9), asOf, ct: Ct))).Message.ShouldContain("not part of the India profile");
    }

    private async Task BillingRawAsync(string table, string columns, string select)
    {
        using var client = warehouse.ClickHouse.CreateClient();
        await client.ExecuteNonQueryAsync(
            $"INSERT INTO raw.hub_{table} ({columns}, _version, _is_deleted, _op, _ingested_at) SELECT *, toUInt128(1000000), 0, 'c', now64(3) FROM ({select})", cancellationToken: Ct);
    }

    private ComplianceReporter Reporter(RegulatoryProfile profile = RegulatoryProfile.India) =>
        new(warehouse.ClickHouse.ConnectionString,
            new ComplianceOptions { Profile = profile, ReportingTimeZone = ComplianceWarehouse.Zone, SigningKeyPath = Path.Combine(_dir.Path, "keys", "report-signing.key") },
            Signer(), _audit, warehouse.Clock, NullLogger.Instance);

    private ExportSigner Signer() => new(Path.Combine(_dir.Path, "keys", "report-signing.key"));

    private async Task<IReadOnlyList<ExportedFile>> ExportAsync(ReportKind kind, ReportFormat format, string? directory = null, IReadOnlyList<ReportFormat>? formats = null)
    {
        var reporter = Reporter();
        var documents = await reporter.BuildAsync(kind, November, ct: Ct);
        return await reporter.ExportAsync(documents, formats ?? [format], directory ?? Path.Combine(_dir.Path, "out"), "test:officer", ct: Ct);
    }

    private static List<string> Lines(string path) =>
        [.. File.ReadAllText(path, Encoding.UTF8).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)];
}
