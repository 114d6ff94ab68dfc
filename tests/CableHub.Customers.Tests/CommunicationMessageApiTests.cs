using System.Net;
using System.Text.Json;
using CableHub.Connectors.Notifications.Store;
using CableHub.Connectors.Notifications.Templates;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;

namespace CableHub.Customers.Tests;

/// <summary>
/// TMF681 communicationMessage over a real server with real tokens: the messages the notification log recorded (what was sent,
/// stored encrypted) listed newest first with TMF paging headers and filters, read by id; the recipient's address, the subject
/// and the text only for a caller with personal-data access (a subscriber only their own), each disclosure audited; a subscriber
/// never sees another customer's message.
/// </summary>
public sealed class CommunicationMessageApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Messages = "/tmf-api/communicationManagement/v4/communicationMessage";

    private static NotificationRequest Request(Guid customer, NotificationChannel channel, string? email, string? phone) =>
        new("api:" + Guid.NewGuid(), channel, "welcome", "en", new NotificationRecipient(customer.ToString(), "Asha Verma", email, phone, "Asia/Kolkata"),
            new Dictionary<string, object?>(), ContactPolicy.AllowAll);

    [Fact]
    public async Task The_history_lists_and_reads_messages_with_personal_fields_only_for_allowed_callers_and_never_another_subscribers()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var (a, b) = (api.Db.ActiveCustomers[0], api.Db.ActiveCustomers[1]);
        var log = new NotificationLog(api.Db.DataSource, ModuleServices.Encryptor, api.Db.Clock);
        var welcome = Request(a, NotificationChannel.Email, "asha.verma@subscriber.example", null);
        (await log.ClaimAsync(welcome, "en", TimeSpan.FromMinutes(2), default,
            new RenderedMessage("en", "Welcome to CableHub", "Dear Asha Verma, your Family M plan starts today.", null))).ShouldNotBeNull();
        await log.StartHandOffAsync(welcome.IdempotencyKey, default);
        await log.MarkSentAsync(welcome.IdempotencyKey, "<msg-1@cablehub>", default);
        api.Db.Clock.Advance(TimeSpan.FromMinutes(1));
        await log.RecordFinalAsync(Request(a, NotificationChannel.Sms, null, "+919800000001"), "suppressed", null, "no consent for SMS", default);
        await log.RecordFinalAsync(Request(b, NotificationChannel.Sms, null, "+919800000002"), "rejected", "en", "number blocked", default);
        var ofA = await log.ListAsync(new CommunicationQuery(a.ToString(), null, null, null, null, 0, 10), default);
        var sentId = ofA.Items.Single(m => m.State == "sent").Id;
        var ofB = (await log.ListAsync(new CommunicationQuery(b.ToString(), null, null, null, null, 0, 10), default)).Items.ShouldHaveSingleItem().Id;

        // Customer service (personal-data.read): decrypted address, subject and text; newest first; one audited disclosure.
        using (var response = await api.Client.SendAsync(await api.RequestAsync(HttpMethod.Get, $"{Messages}?receiver.id={a}", role: StaffRoles.CustomerService)))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            response.Headers.GetValues("X-Total-Count").Single().ShouldBe("2");
            response.Headers.GetValues("X-Result-Count").Single().ShouldBe("2");
            var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToList();
            list[0].GetProperty("messageType").GetString().ShouldBe("SMS");
            list[0].GetProperty("state").GetString().ShouldBe("cancelled");
            list[0].GetProperty("receiver")[0].GetProperty("phoneNumber").GetString().ShouldBe("+919800000001");
            var sent = list[1];
            sent.GetProperty("@type").GetString().ShouldBe("CommunicationMessage");
            sent.GetProperty("id").GetString().ShouldBe(sentId.ToString());
            sent.GetProperty("href").GetString().ShouldBe($"{Messages}/{sentId}");
            sent.GetProperty("messageType").GetString().ShouldBe("Email");
            sent.GetProperty("state").GetString().ShouldBe("completed");
            sent.GetProperty("subject").GetString().ShouldBe("Welcome to CableHub");
            sent.GetProperty("content").GetString().ShouldBe("Dear Asha Verma, your Family M plan starts today.");
            sent.GetProperty("tryTimes").GetInt32().ShouldBe(1);
            sent.GetProperty("sendTimeComplete").GetDateTimeOffset().ShouldBe(api.Db.Clock.GetUtcNow() - TimeSpan.FromMinutes(1));
            var receiver = sent.GetProperty("receiver")[0];
            receiver.GetProperty("email").GetString().ShouldBe("asha.verma@subscriber.example");
            receiver.GetProperty("name").GetString().ShouldBe("Asha Verma");
            receiver.GetProperty("party").GetProperty("href").GetString().ShouldBe($"/tmf-api/customerManagement/v4/customer/{a}");
            sent.GetProperty("characteristic").EnumerateArray().ShouldContain(c => c.GetProperty("name").GetString() == "providerMessageId"
                && c.GetProperty("value").GetString() == "<msg-1@cablehub>");
        }

        var reads = await PersonalDataReadsAsync(api);
        reads.ShouldHaveSingleItem().Subject.ShouldBe($"communicationMessage {a}: content,receiver.email,receiver.name,receiver.phoneNumber,subject");
        reads[0].Actor.ShouldBe("staff:test-customer-service");

        // A billing clerk reads the history (customer.read) without the personal fields; nothing is recorded.
        var (clerkStatus, clerk) = await api.SendAsync(HttpMethod.Get, $"{Messages}/{sentId}", role: StaffRoles.BillingClerk);
        clerkStatus.ShouldBe(HttpStatusCode.OK, clerk.ToString());
        clerk.GetProperty("state").GetString().ShouldBe("completed");
        clerk.TryGetProperty("content", out _).ShouldBeFalse();
        clerk.TryGetProperty("subject", out _).ShouldBeFalse();
        clerk.GetRawText().ShouldNotContain("subscriber.example");
        clerk.GetProperty("receiver")[0].GetProperty("id").GetString().ShouldBe(a.ToString());
        // Only attributes without personal data asked for: nothing decrypted for customer service either.
        var (_, stateOnly) = await api.SendAsync(HttpMethod.Get, $"{Messages}/{sentId}?fields=state", role: StaffRoles.CustomerService);
        stateOnly.GetProperty("state").GetString().ShouldBe("completed");
        stateOnly.TryGetProperty("content", out _).ShouldBeFalse();
        (await PersonalDataReadsAsync(api)).Count.ShouldBe(1);
        (await api.SendAsync(HttpMethod.Get, $"{Messages}/{sentId}", role: StaffRoles.InventoryClerk)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await api.SendAsync(HttpMethod.Get, $"{Messages}/{sentId}", role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendAsync(HttpMethod.Get, $"{Messages}/{Guid.NewGuid()}", role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.NotFound);

        // Subscriber A: their own messages with their data (audited); B's message is 404; asking for B's list gives nothing.
        var tokenA = await api.Identity.SubscriberTokenAsync(a);
        var (ownStatus, own) = await api.SendWithTokenAsync(HttpMethod.Get, Messages, tokenA);
        ownStatus.ShouldBe(HttpStatusCode.OK, own.ToString());
        own.EnumerateArray().Select(m => m.GetProperty("receiver")[0].GetProperty("id").GetString()).ShouldAllBe(id => id == a.ToString());
        own.GetArrayLength().ShouldBe(2);
        own.EnumerateArray().Any(m => m.TryGetProperty("content", out var c) && c.GetString()!.StartsWith("Dear Asha", StringComparison.Ordinal)).ShouldBeTrue("the subscriber reads their own texts");
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Messages}/{ofB}", tokenA)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Messages}?receiver.id={b}", tokenA)).Body.GetArrayLength().ShouldBe(0);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Messages}/{sentId}", tokenA)).Status.ShouldBe(HttpStatusCode.OK);

        // Filters and paging, in SQL.
        async Task<int> CountAsync(string query) => (await api.SendAsync(HttpMethod.Get, $"{Messages}?{query}", role: StaffRoles.BillingClerk)).Body.GetArrayLength();
        (await CountAsync($"receiver.id={a}&messageType=SMS")).ShouldBe(1);
        (await CountAsync($"receiver.id={a}&messageType=email")).ShouldBe(1);
        (await CountAsync($"receiver.id={a}&state=completed,failed")).ShouldBe(1);
        (await CountAsync("state=failed")).ShouldBe(1);
        (await CountAsync("state=initial")).ShouldBe(0);
        (await CountAsync($"receiver.id={a}&sendTime.gt={Uri.EscapeDataString((api.Db.Clock.GetUtcNow() - TimeSpan.FromSeconds(30)).ToString("O"))}")).ShouldBe(1);
        (await CountAsync($"receiver.id={a}&limit=1&offset=1")).ShouldBe(1);
        var (bad, problem) = await api.SendAsync(HttpMethod.Get, $"{Messages}?state=sent&messageType=fax&receiver.id=x&sendTime.lt=yesterday", role: StaffRoles.BillingClerk);
        bad.ShouldBe(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        foreach (var name in new[] { "state", "messageType", "receiver.id", "sendTime.lt" })
        {
            errors.TryGetProperty(name, out _).ShouldBeTrue(name);
        }

        // What is stored is ciphertext: no address or text in clear in the table.
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM notification.message WHERE row_to_json(message)::text LIKE '%subscriber.example%' OR position(convert_to('Dear Asha', 'UTF8') in body_enc) > 0")).ShouldBe(0);
    }

    private sealed record AuditRow(string Actor, string Subject, string Route);

    private static async Task<List<AuditRow>> PersonalDataReadsAsync(ApiHost api)
    {
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<AuditRow>("SELECT actor, subject, route FROM hub.access_audit WHERE event = 'personal_data_read' ORDER BY id")).ToList();
    }
}
