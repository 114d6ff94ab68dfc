using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CableHub.Audit;
using CableHub.Compliance.Reports.Privacy;
using CableHub.Compliance.Reports.Signing;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using CableHub.Core.Security;
using CableHub.Customers;
using CableHub.Modules.Testing;
using CableHub.Pipelines.Cdc;
using CableHub.Testing;
using Confluent.Kafka;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using UglyToad.PdfPig;

namespace CableHub.Compliance.Tests;

/// <summary>
/// Data-subject requests carried out over the hub's API with real tokens: the access export (every module's records on the
/// customer, decrypted, as JSON and PDF, signed, recorded in the audit log) and erasure by crypto-shredding (the customer's
/// data key destroyed; no table of the database and no message of the change stream holds their name, e-mail or phone in
/// clear; the ciphertext copied before erasure cannot be read; invoices kept and whole); customers written under the master
/// key are moved under their own key by the rekey.
/// </summary>
public sealed class DataSubjectTests(PostgresFixture postgres, KafkaFixture kafka) : IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>
{
    private const string Orders = "/tmf-api/productOrderingManagement/v4/productOrder";
    internal const string Customers = "/tmf-api/customerManagement/v4/customer";
    private const string Messages = "/tmf-api/communicationManagement/v4/communicationMessage";
    internal const string Requests = "/api/v1/compliance/data-subject-requests";
    internal const string Officer = StaffRoles.ComplianceOfficer;
    internal const string GivenName = "Vedika";
    internal const string FamilyName = "Quillfeather";
    internal const string Phone = "+91 97311 86420";

    internal static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_access_export_holds_every_modules_records_decrypted_as_signed_json_and_pdf_recorded_in_the_audit_log()
    {
        var dir = Directory.CreateTempSubdirectory("cablehub-dsr-").FullName;
        await using var api = await StartAsync(dir);
        var email = $"vedika.{Guid.NewGuid():N}@example.in";
        var customerId = await PlaceOrderAsync(api, email);
        await SendWelcomeAsync(api, customerId, email);

        // Only the right kind of request is carried out, and only by a compliance officer.
        var erasure = await OpenAsync(api, customerId, "erasure");
        (await api.SendAsync(HttpMethod.Post, $"{Requests}/{erasure}/export", role: Officer)).Status.ShouldBe(HttpStatusCode.Conflict);
        var request = await OpenAsync(api, customerId, "access");
        (await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/export", role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.Forbidden);

        var (status, export) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/export", role: Officer);
        status.ShouldBe(HttpStatusCode.OK, export.ToString());
        export.GetProperty("customerId").GetGuid().ShouldBe(customerId);
        var files = export.GetProperty("files").EnumerateArray().ToList();
        files.Select(f => Path.GetExtension(f.GetProperty("fileName").GetString())).ShouldBe([".json", ".pdf"]);

        // JSON: every module's section, personal fields decrypted.
        var (jsonStatus, json) = await api.SendAsync(HttpMethod.Get, files[0].GetProperty("href").GetString()!, role: Officer);
        jsonStatus.ShouldBe(HttpStatusCode.OK);
        json.GetProperty("customerId").GetGuid().ShouldBe(customerId);
        var sections = json.GetProperty("sections").EnumerateArray().ToDictionary(s => s.GetProperty("holder").GetString()!, s => s.GetProperty("tables"));
        sections.Keys.ShouldBe(["customers", "ordering", "subscriptions", "inventory", "billing", "vod", "identity", "notifications", "audit"], ignoreOrder: false);
        var customer = sections["customers"].GetProperty("customer")[0];
        customer.GetProperty("given_name").GetString().ShouldBe(GivenName);
        customer.GetProperty("family_name").GetString().ShouldBe(FamilyName);
        customer.GetProperty("birth_date").GetString().ShouldBe("1990-06-01");
        var media = sections["customers"].GetProperty("contact media").EnumerateArray().ToDictionary(m => m.GetProperty("type").GetString()!, m => m.GetProperty("value").GetString());
        media["email"].ShouldBe(email);
        media["phone"].ShouldBe(Phone);
        media["postal_address"].ShouldBe("7 Lavelle Road");
        sections["customers"].GetProperty("billing accounts").GetArrayLength().ShouldBe(1);
        sections["ordering"].GetProperty("product orders").GetArrayLength().ShouldBe(1);
        sections["audit"].GetProperty("audit log entries").GetArrayLength().ShouldBeGreaterThan(0); // the customer's rows were inserted
        sections["audit"].GetProperty("data-subject requests").GetArrayLength().ShouldBe(2);
        sections["identity"].GetProperty("access audit entries").EnumerateArray()
            .ShouldContain(e => e.GetProperty("event").GetString() == "personal_data_read"); // the officer's read after placing the order
        sections["customers"].GetRawText().ShouldNotContain("_enc"); // decrypted values, never ciphertext
        var message = sections["notifications"].GetProperty("messages").EnumerateArray().ShouldHaveSingleItem(); // what was sent to them, decrypted
        message.GetProperty("recipient").GetString().ShouldBe(email);
        message.GetProperty("text").GetString().ShouldBe($"Dear {GivenName} {FamilyName}, welcome.");
        sections["audit"].GetProperty("audit log entries").EnumerateArray().Where(e => e.GetProperty("table_name").GetString() == "customer")
            .ShouldAllBe(e => e.GetProperty("after").GetString()!.Contains("\"given_name_enc\": \"[redacted]\"")); // as the log stores them

        // PDF: readable, the same facts.
        var pdfPath = Path.Combine(dir, "exports", request.ToString(), files[1].GetProperty("fileName").GetString()!);
        using (var pdf = PdfDocument.Open(pdfPath))
        {
            var text = string.Join("\n", pdf.GetPages().Select(p => p.Text));
            text.ShouldContain(FamilyName);
            text.ShouldContain(email);
            text.ShouldContain("Billing");
        }

        (await api.SendAsync(HttpMethod.Get, files[1].GetProperty("href").GetString()!, role: Officer)).Status.ShouldBe(HttpStatusCode.OK);
        (await api.SendAsync(HttpMethod.Get, $"{Requests}/{request}/export/report-signing.key", role: Officer)).Status.ShouldBe(HttpStatusCode.NotFound); // only the export's files

        // Signed: each file verifies against its manifest; an edit is caught.
        var signer = new ExportSigner(Path.Combine(dir, "report-signing.key"));
        signer.Verify(pdfPath).Valid.ShouldBeTrue();
        var jsonPath = Path.Combine(dir, "exports", request.ToString(), files[0].GetProperty("fileName").GetString()!);
        signer.Verify(jsonPath).Valid.ShouldBeTrue();
        await File.AppendAllTextAsync(jsonPath, " ", Ct);
        signer.Verify(jsonPath).Reason.ShouldContain("the file changed");

        // Recorded in the audit log, naming the customer, with each file's SHA-256.
        var exports = (await new AuditLog(api.Db.DataSource).ListAsync(new AuditQuery(CustomerId: customerId), Ct)).Where(r => r.Action == "export").ToList();
        exports.Count.ShouldBe(2);
        exports.ShouldAllBe(r => r.Actor == "staff:test-compliance-officer");
        exports.Select(r => JsonDocument.Parse(r.Detail!).RootElement.GetProperty("sha256").GetString()).ShouldBe(files.Select(f => f.GetProperty("sha256").GetString()));
    }

    [Fact]
    public async Task Erasure_shreds_the_customers_key_so_no_table_or_change_event_holds_their_data_and_invoices_stay_whole()
    {
        var dir = Directory.CreateTempSubdirectory("cablehub-dsr-").FullName;
        await using var api = await StartAsync(dir);

        // The change stream runs as the hub runs it (the host's default column allowlist) from before the customer exists.
        var prefix = "e" + Guid.NewGuid().ToString("N")[..10];
        var cdc = new CdcReaderOptions
        {
            ConnectionString = api.Db.ConnectionString,
            BootstrapServers = kafka.BootstrapServers,
            Slot = "s" + prefix,
            Publication = "pub_" + prefix,
            TopicPrefix = prefix,
            Snapshot = SnapshotMode.Never,
            StatusInterval = TimeSpan.FromMilliseconds(200),
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            RetryDelay = TimeSpan.FromMilliseconds(200),
        };
        new Host.Configuration.HubSettings().Cdc.ApplyColumnAllowlist(cdc);

        var reader = new CdcReader(cdc, kafka.Topics, TestLogging.Factory.CreateLogger("cdc"));
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => reader.RunAsync(stop.Token), Ct);
        try
        {
            (await Task.WhenAny(reader.Streaming, run, Task.Delay(TimeSpan.FromSeconds(60), Ct))).ShouldBe(reader.Streaming);

            var email = $"vedika.{Guid.NewGuid():N}@example.in";
            var customerId = await PlaceOrderAsync(api, email);
            var sent = await SendWelcomeAsync(api, customerId, email);
            var (_, message) = await api.SendAsync(HttpMethod.Get, $"{Messages}/{sent}", role: StaffRoles.CustomerService);
            message.GetProperty("receiver")[0].GetProperty("email").GetString().ShouldBe(email);
            var (_, before) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}", role: StaffRoles.CustomerService);
            before.GetProperty("engagedParty").GetProperty("name").GetString().ShouldBe($"{GivenName} {FamilyName}");

            // What a copy made before the erasure holds (a Kafka message without the allowlist, a warehouse part, a backup):
            // the ciphertext under the customer's own key.
            await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
            await conn.OpenAsync(Ct);
            var copied = (await conn.ExecuteScalarAsync<byte[]>("SELECT family_name_enc FROM hub.customer WHERE id = @customerId", new { customerId }))!;
            SubjectKeyCipher.IsSubjectCiphertext(copied).ShouldBeTrue();
            var keys = new CustomerKeys(api.Db.DataSource, ModuleServices.Encryptor);
            (await keys.ReaderAsync([customerId], Ct)).Read(customerId, copied).ShouldBe(FamilyName);

            // Invoices kept by law: one issued to the customer before the erasure.
            var invoice = await IssueInvoiceAsync(conn, customerId);

            var request = await OpenAsync(api, customerId, "erasure");
            (await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/erase", role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.Forbidden);
            var (erased, outcome) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/erase", role: Officer);
            erased.ShouldBe(HttpStatusCode.OK, outcome.ToString());
            outcome.GetProperty("request").GetProperty("status").GetString().ShouldBe("completed");
            outcome.GetProperty("request").GetProperty("outcome").GetString()!.ShouldContain("data key destroyed");
            (await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/erase", role: Officer)).Status.ShouldBe(HttpStatusCode.Conflict); // closed

            // The key is gone: the copy is unreadable with what the hub has (the master key cannot read it either).
            (await conn.ExecuteScalarAsync<bool>("SELECT wrapped_key IS NULL AND shredded_at IS NOT NULL FROM keyring.customer_key WHERE customer_id = @customerId", new { customerId })).ShouldBeTrue();
            (await keys.ReaderAsync([customerId], Ct)).Read(customerId, copied).ShouldBe(CustomerKeys.Erased);
            Should.Throw<CryptographicException>(() => ModuleServices.Encryptor.Decrypt(copied));

            // The API reads the erased customer without failing; the sign-in lookup by e-mail no longer finds them.
            var (_, after) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}", role: StaffRoles.CustomerService);
            after.GetProperty("engagedParty").GetProperty("name").GetString().ShouldBe($"{CustomerKeys.Erased} {CustomerKeys.Erased}");
            after.GetRawText().ShouldNotContain(email);
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.contact_medium WHERE customer_id = @customerId AND value_hash <> '\\x'", new { customerId })).ShouldBe(0);

            // What was sent to them (TMF681 history): recipient, subject and text overwritten, the record of the sending kept.
            var (_, erasedMessage) = await api.SendAsync(HttpMethod.Get, $"{Messages}/{sent}", role: StaffRoles.CustomerService);
            erasedMessage.GetProperty("state").GetString().ShouldBe("completed");
            erasedMessage.GetProperty("receiver")[0].GetProperty("email").GetString().ShouldBe(SentContent.Erased);
            erasedMessage.GetProperty("content").GetString().ShouldBe(SentContent.Erased);
            outcome.GetProperty("request").GetProperty("outcome").GetString()!.ShouldContain("1 message(s): recipient address and name, subject and text overwritten");
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM notification.message WHERE customer_id = @c AND (length(recipient_enc) > 0 OR length(body_enc) > 0)",
                new { c = customerId.ToString() })).ShouldBe(0);

            // No column of any table in the database holds the name, e-mail or phone in clear (text, JSON, arrays, bytes).
            string[] needles = [GivenName, FamilyName, email, Phone, "97311 86420"];
            (await ScanDatabaseAsync(conn, needles)).ShouldBeEmpty();

            // Invoices kept, whole and still the customer's (pseudonymous id).
            var kept = await conn.QuerySingleAsync<(Guid Customer, decimal Subtotal, decimal Tax, decimal Total, decimal Lines)>(
                "SELECT i.customer_id, i.subtotal, i.tax_total, i.total, (SELECT sum(amount) FROM hub.invoice_line l WHERE l.invoice_id = i.id) FROM hub.invoice i WHERE i.id = @invoice", new { invoice });
            kept.ShouldBe((customerId, 500.00m, 90.00m, 590.00m, 500.00m));

            // The erasure is in the audit log with the officer as actor; the log itself holds no personal value.
            var rows = await new AuditLog(api.Db.DataSource).ListAsync(new AuditQuery(CustomerId: customerId, Table: "customer"), Ct);
            rows.ShouldContain(r => r.Action == "update" && r.Actor == "staff:test-compliance-officer"
                && JsonDocument.Parse(r.After!).RootElement.GetProperty("erased_at").ValueKind == JsonValueKind.String);

            // The change stream: every message of every hub topic since before the customer existed, none with their data.
            var messages = ConsumeAll(prefix, m => m.Topic == $"{prefix}.hub.customer" && Regex.IsMatch(m.Value, "\"after\":\\{[^}]*\"erased_at\":(?!null)"));
            messages.ShouldContain(m => m.Topic == $"{prefix}.hub.customer");
            messages.ShouldContain(m => m.Topic == $"{prefix}.hub.contact_medium");
            foreach (var m in messages)
            {
                foreach (var needle in needles)
                {
                    m.Value.ShouldNotContain(needle, Case.Insensitive, $"{m.Topic} leaks {needle}");
                }

                if (m.Topic.EndsWith(".hub.customer", StringComparison.Ordinal) || m.Topic.EndsWith(".hub.contact_medium", StringComparison.Ordinal))
                {
                    m.Value.ShouldNotContain("_enc\"");
                    m.Value.ShouldNotContain("value_hash");
                    m.Value.ShouldNotContain("postal_code");
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
            }
            catch (OperationCanceledException)
            {
            }

            await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
            await conn.OpenAsync(CancellationToken.None);
            await conn.ExecuteAsync($"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 's{prefix}' AND NOT active");
        }
    }

    [Fact]
    public async Task A_rectification_request_corrects_the_fields_encrypted_audits_without_values_and_closes_the_request()
    {
        await using var api = await StartAsync(Directory.CreateTempSubdirectory("cablehub-dsr-").FullName);
        var email = $"vedika.{Guid.NewGuid():N}@example.in";
        var corrected = $"v.rao.{Guid.NewGuid():N}@example.in";
        const string NewFamily = "Quillfeather-Rao";
        var customerId = await PlaceOrderAsync(api, email);
        var request = await OpenAsync(api, customerId, "rectification");

        (await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/rectify", new { corrections = new { familyName = NewFamily } }, role: StaffRoles.CustomerService)).Status
            .ShouldBe(HttpStatusCode.Forbidden);
        var (bad, problem) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/rectify", new { corrections = new Dictionary<string, string> { ["familyName"] = NewFamily, ["shoeSize"] = "9" } }, role: Officer);
        bad.ShouldBe(HttpStatusCode.BadRequest);
        problem.ToString().ShouldContain("shoeSize");
        (await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/rectify", new { corrections = new { birthDate = "1 June 1990" } }, role: Officer)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}", role: StaffRoles.CustomerService)).Body.GetProperty("engagedParty").GetProperty("name").GetString()
            .ShouldBe($"{GivenName} {FamilyName}"); // nothing half-applied

        var (status, outcome) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/rectify", new { corrections = new { familyName = NewFamily, email = corrected } }, role: Officer);
        status.ShouldBe(HttpStatusCode.OK, outcome.ToString());
        var closed = outcome.GetProperty("request");
        closed.GetProperty("status").GetString().ShouldBe("completed");
        closed.GetProperty("outcome").GetString().ShouldBe("rectified — customers: familyName, email");
        (await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/rectify", new { corrections = new { familyName = "Again" } }, role: Officer)).Status.ShouldBe(HttpStatusCode.Conflict);

        // Corrected, still encrypted under the customer's key; the e-mail's blind index follows (sign-in and search find the new one).
        var (_, after) = await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}", role: StaffRoles.CustomerService);
        after.GetProperty("engagedParty").GetProperty("name").GetString().ShouldBe($"{GivenName} {NewFamily}");
        after.GetRawText().ShouldContain(corrected);
        after.GetRawText().ShouldNotContain(email);
        await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
        await conn.OpenAsync(Ct);
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.contact_medium WHERE customer_id = @customerId AND value_hash = @hash",
            new { customerId, hash = ModuleServices.Encryptor.BlindIndex(corrected) })).ShouldBe(1);
        SubjectKeyCipher.IsSubjectCiphertext((await conn.ExecuteScalarAsync<byte[]>("SELECT family_name_enc FROM hub.customer WHERE id = @customerId", new { customerId }))!).ShouldBeTrue();

        // Audited as the officer, before and after, with the encrypted fields redacted: no value, old or new, in the log.
        var rows = await new AuditLog(api.Db.DataSource).ListAsync(new AuditQuery(CustomerId: customerId, Actor: "staff:test-compliance-officer"), Ct);
        rows.ShouldContain(r => r.Action == "update" && r.TableName == "customer" && r.Before!.Contains("\"family_name_enc\": \"[redacted]\"") && r.After!.Contains("\"family_name_enc\": \"[redacted]\""));
        rows.ShouldContain(r => r.Action == "update" && r.TableName == "contact_medium" && r.After!.Contains("\"value_hash\": \"[redacted]\""));
        foreach (var needle in new[] { NewFamily, FamilyName, corrected, email })
        {
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.audit_log WHERE strpos(concat_ws(' ', before::text, after::text, detail::text), @needle) > 0", new { needle }))
                .ShouldBe(0, needle);
            (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.data_subject_request WHERE strpos(coalesce(outcome, ''), @needle) > 0", new { needle })).ShouldBe(0, needle);
        }
    }

    [Fact]
    public async Task Erasure_is_refused_while_the_customer_has_a_live_subscription_and_nothing_is_erased_until_it_ends()
    {
        await using var api = await StartAsync(Directory.CreateTempSubdirectory("cablehub-dsr-").FullName);
        var customerId = await PlaceOrderAsync(api, $"vedika.{Guid.NewGuid():N}@example.in");
        var subscription = Guid.CreateVersion7();
        await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
        await conn.OpenAsync(Ct);
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.subscription (id, customer_id, billing_account_id, plan_id, status, start_at)
            SELECT @subscription, @customerId, id, @plan, 'suspended', now() FROM hub.billing_account WHERE customer_id = @customerId LIMIT 1
            """, new { subscription, customerId, plan = api.Db.PlanId });
        var request = await OpenAsync(api, customerId, "erasure");

        var (refused, problem) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/erase", role: Officer);
        refused.ShouldBe(HttpStatusCode.Conflict);
        problem.ToString().ShouldContain($"{subscription} suspended");
        problem.ToString().ShouldContain("disconnect them first");
        (await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}", role: StaffRoles.CustomerService)).Body.GetProperty("engagedParty").GetProperty("name").GetString()
            .ShouldBe($"{GivenName} {FamilyName}"); // nothing erased
        (await conn.ExecuteScalarAsync<string>("SELECT status FROM hub.data_subject_request WHERE id = @request", new { request })).ShouldBe("open");

        // Disconnected: the erasure goes through.
        await conn.ExecuteAsync("UPDATE hub.subscription SET status = 'terminated', end_at = now() WHERE id = @subscription", new { subscription });
        var (erased, outcome) = await api.SendAsync(HttpMethod.Post, $"{Requests}/{request}/erase", role: Officer);
        erased.ShouldBe(HttpStatusCode.OK, outcome.ToString());
        outcome.GetProperty("request").GetProperty("status").GetString().ShouldBe("completed");
    }

    [Fact]
    public async Task The_rekey_moves_customers_written_under_the_master_key_under_their_own_key_and_leaves_unreadable_ones_named()
    {
        await using var api = await StartAsync(Directory.CreateTempSubdirectory("cablehub-dsr-").FullName);
        var master = ModuleServices.Encryptor;
        var legacy = Guid.CreateVersion7();
        await using var conn = new NpgsqlConnection(api.Db.ConnectionString);
        await conn.OpenAsync(Ct);
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.customer (id, customer_number, status, given_name_enc, family_name_enc, birth_date_enc) VALUES (@legacy, 'L' || @n, 'active', @given, @family, @birth);
            INSERT INTO hub.contact_medium (id, customer_id, medium_type, value_enc, value_hash) VALUES (gen_random_uuid(), @legacy, 'email', @email, @hash);
            """,
            new { legacy, n = legacy.ToString("N")[..9], given = master.Encrypt("Old"), family = master.Encrypt("Style"), birth = master.Encrypt("1970-01-01"),
                  email = master.Encrypt("old.style@example.in"), hash = master.BlindIndex("old.style@example.in") });

        // And one whose fields were written under another master key (restored from elsewhere): they cannot be moved.
        var unreadable = Guid.CreateVersion7();
        var other = Core.Security.FieldEncryptor.FromSingleKey(RandomNumberGenerator.GetBytes(32));
        await conn.ExecuteAsync(
            "INSERT INTO hub.customer (id, customer_number, status, given_name_enc, family_name_enc) VALUES (@unreadable, 'U' || @n, 'active', @given, @family)",
            new { unreadable, n = unreadable.ToString("N")[..9], given = other.Encrypt("Lost"), family = other.Encrypt("Key") });

        var result = await new CustomerRekey(api.Db.DataSource, master, new CustomerKeys(api.Db.DataSource, master)).RunAsync(batchSize: 2, ct: Ct);
        result.Customers.ShouldBeGreaterThanOrEqualTo(1);
        result.Unreadable.ShouldContain(unreadable);
        result.Unreadable.ShouldNotContain(legacy);

        var row = await conn.QuerySingleAsync<(byte[] Given, byte[] Family, byte[] Birth)>("SELECT given_name_enc, family_name_enc, birth_date_enc FROM hub.customer WHERE id = @legacy", new { legacy });
        SubjectKeyCipher.IsSubjectCiphertext(row.Given).ShouldBeTrue();
        SubjectKeyCipher.IsSubjectCiphertext(row.Birth).ShouldBeTrue();
        var email = await conn.ExecuteScalarAsync<byte[]>("SELECT value_enc FROM hub.contact_medium WHERE customer_id = @legacy", new { legacy });
        SubjectKeyCipher.IsSubjectCiphertext(email).ShouldBeTrue();
        var fields = await new CustomerKeys(api.Db.DataSource, master).ReaderAsync([legacy], Ct);
        fields.Read(legacy, row.Family).ShouldBe("Style");
        fields.Read(legacy, email).ShouldBe("old.style@example.in");

        // The blind index still finds them; a second run has nothing left to do.
        (await api.SendAsync(HttpMethod.Get, $"{Customers}/{legacy}", role: StaffRoles.CustomerService)).Body.GetProperty("engagedParty").GetProperty("name").GetString().ShouldBe("Old Style");
        (await new CustomerRekey(api.Db.DataSource, master, new CustomerKeys(api.Db.DataSource, master)).RunAsync(ct: Ct)).Customers.ShouldBe(0);
    }

    private Task<ApiHost> StartAsync(string dir) => ApiHost.StartAsync(postgres, services => services.AddSingleton<IDataSubjectAccessExporter>(sp =>
        new DataSubjectAccessExport(sp.GetServices<IDataSubjectRecords>(), new ExportSigner(Path.Combine(dir, "report-signing.key")), sp.GetRequiredService<IExportAuditSink>(),
            sp.GetRequiredService<TimeProvider>(), Path.Combine(dir, "exports"))));

    /// <summary>A welcome e-mail to the customer as the notification sender records it (recipient, subject and text encrypted).</summary>
    private static async Task<Guid> SendWelcomeAsync(ApiHost api, Guid customerId, string email)
    {
        var log = new Connectors.Notifications.Store.NotificationLog(api.Db.DataSource, ModuleServices.Encryptor, api.Db.Clock);
        var request = new NotificationRequest("dsr:" + Guid.NewGuid(), NotificationChannel.Email, "welcome", "en",
            new NotificationRecipient(customerId.ToString(), $"{GivenName} {FamilyName}", email, Phone), new Dictionary<string, object?>(), ContactPolicy.AllowAll);
        (await log.ClaimAsync(request, "en", TimeSpan.FromMinutes(2), Ct,
            new Connectors.Notifications.Templates.RenderedMessage("en", "Welcome", $"Dear {GivenName} {FamilyName}, welcome.", null))).ShouldNotBeNull();
        await log.MarkSentAsync(request.IdempotencyKey, "<dsr@cablehub>", Ct);
        return (await log.ListAsync(new CommunicationQuery(customerId.ToString(), null, null, null, null, 0, 1), Ct)).Items[0].Id;
    }

    internal static async Task<Guid> PlaceOrderAsync(ApiHost api, string email)
    {
        var order = new Dictionary<string, object>
        {
            ["externalId"] = "dsr-" + Guid.NewGuid().ToString("N")[..10],
            ["relatedParty"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["role"] = "Customer",
                    ["@type"] = "Individual",
                    ["givenName"] = GivenName,
                    ["familyName"] = FamilyName,
                    ["birthDate"] = "1990-06-01",
                    ["contactMedium"] = new object[]
                    {
                        new { mediumType = "email", characteristic = new { emailAddress = email } },
                        new { mediumType = "mobile", characteristic = new { phoneNumber = Phone } },
                        new { mediumType = "postalAddress", characteristic = new { street1 = "7 Lavelle Road", city = "Bengaluru", postCode = "560001", country = "IN" } },
                    },
                },
            },
            ["billingAccount"] = new { paymentMethod = "direct_debit", billCycleDay = 7 },
            ["productOrderItem"] = new[] { new { id = "1", action = "add", productOffering = new { id = "FAMILY-M" } } },
        };
        var (status, placed) = await api.SendAsync(HttpMethod.Post, Orders, order, role: StaffRoles.CustomerService);
        status.ShouldBe(HttpStatusCode.Created, placed.ToString());
        var customerId = Guid.Parse(placed.GetProperty("relatedParty")[0].GetProperty("id").GetString()!);
        (await api.SendAsync(HttpMethod.Get, $"{Customers}/{customerId}", role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.OK); // a personal-data read, audited
        return customerId;
    }

    internal static async Task<Guid> OpenAsync(ApiHost api, Guid customerId, string kind)
    {
        var (status, opened) = await api.SendAsync(HttpMethod.Post, Requests, new { customerId, kind }, role: Officer);
        status.ShouldBe(HttpStatusCode.Created, opened.ToString());
        return opened.GetProperty("id").GetGuid();
    }

    /// <summary>An invoice of 500.00 + 90.00 tax with two lines, issued to the customer's billing account (one transaction, as the bill run issues).</summary>
    internal static async Task<Guid> IssueInvoiceAsync(NpgsqlConnection conn, Guid customerId)
    {
        var invoice = Guid.CreateVersion7();
        await using var tx = await conn.BeginTransactionAsync(Ct);
        var seq = await conn.ExecuteScalarAsync<long>("UPDATE hub.invoice_series SET next_number = next_number + 1 WHERE code = 'INV' RETURNING next_number - 1", transaction: tx);
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.billing_profile (billing_account_id, customer_id, bill_cycle_day, billing_period, currency, tax_jurisdiction, regulatory_profile)
            SELECT id, customer_id, 7, 'monthly', 'INR', 'IN', 'IN' FROM hub.billing_account WHERE customer_id = @customerId ON CONFLICT DO NOTHING;
            INSERT INTO hub.invoice (id, kind, series, seq, invoice_number, billing_account_id, customer_id, issue_date, due_date, currency, subtotal, tax_total, total,
                                     open_amount, status, regulatory_profile, tax_jurisdiction, issued_at)
            SELECT @invoice, 'invoice', 'INV', @seq, 'INV-' || lpad(@seq::text, 9, '0'), id, customer_id, '2026-01-05', '2026-01-20', 'INR',
                   500.00, 90.00, 590.00, 590.00, 'issued', 'IN', 'IN', now()
            FROM hub.billing_account WHERE customer_id = @customerId;
            INSERT INTO hub.invoice_line (invoice_id, line_no, kind, description, amount, tax_category, tax_rate) VALUES
                (@invoice, 1, 'recurring', 'FAMILY-M January', 450.00, 'cable_service', 0.18),
                (@invoice, 2, 'one_time', 'Installation', 50.00, 'cable_service', 0.18);
            """, new { customerId, invoice, seq }, tx);
        await tx.CommitAsync(Ct);
        return invoice;
    }

    /// <summary>Every table and column (text, varchar, char, json, jsonb, arrays, bytea) of every schema holding one of <paramref name="needles"/>.</summary>
    private static async Task<List<string>> ScanDatabaseAsync(NpgsqlConnection conn, string[] needles)
    {
        var columns = (await conn.QueryAsync<(string Schema, string Table, string Column, string Type)>(
            """
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
            WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
              AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'bytea', 'USER-DEFINED')
            """)).ToList();
        columns.Count.ShouldBeGreaterThan(100); // every module's tables are there
        var found = new List<string>();
        foreach (var (schema, table, column, type) in columns)
        {
            var where = type == "bytea" ? $"position(convert_to(@needle, 'UTF8') in \"{column}\") > 0" : $"strpos(lower(\"{column}\"::text), lower(@needle)) > 0";
            foreach (var needle in needles)
            {
#pragma warning disable CA2100 // identifiers from the catalog, the needle a parameter
                var hits = await conn.ExecuteScalarAsync<long>($"SELECT count(*) FROM \"{schema}\".\"{table}\" WHERE {where}", new { needle });
#pragma warning restore CA2100
                if (hits > 0)
                {
                    found.Add($"{schema}.{table}.{column} holds '{needle}' ({hits} rows)");
                }
            }
        }

        return found;
    }

    private sealed record Message(string Topic, string Value);

    /// <summary>Every message of the prefix's topics from the beginning, until <paramref name="last"/> was seen and the topics stayed quiet.</summary>
    private List<Message> ConsumeAll(string prefix, Func<Message, bool> last)
    {
        var config = kafka.Consumer("scan-" + prefix);
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.TopicMetadataRefreshIntervalMs = 500;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe($"^{Regex.Escape(prefix)}\\.hub\\..+");
        var messages = new List<Message>();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        DateTime? quietSince = null;
        var seenLast = false;
        while (DateTime.UtcNow < deadline && !(seenLast && quietSince is { } q && DateTime.UtcNow - q > TimeSpan.FromSeconds(3)))
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null || r.IsPartitionEOF || r.Message is null)
            {
                quietSince ??= DateTime.UtcNow;
                continue;
            }

            quietSince = null;
            var m = new Message(r.Topic, (r.Message.Key is null ? "" : Encoding.UTF8.GetString(r.Message.Key)) + "\n" + (r.Message.Value is null ? "" : Encoding.UTF8.GetString(r.Message.Value)));
            messages.Add(m);
            seenLast |= last(m);
        }

        seenLast.ShouldBeTrue("the erasure's change event never reached the topic");
        return messages;
    }
}
