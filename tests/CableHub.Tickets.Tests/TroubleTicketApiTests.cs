using System.Net;
using System.Text;
using System.Text.Json;
using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Tickets.Tests;

/// <summary>
/// TMF621 <c>troubleTicket</c> over HTTP with real tokens on a real PostgreSQL: who may open, read and work tickets, the
/// lifecycle (an invalid step is a 409 that changes nothing), filters and paging in SQL, free text encrypted at rest and out
/// of the audit log, and the data-subject access export and erasure.
/// </summary>
public sealed class TroubleTicketApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Path = "/tmf-api/troubleTicket/v4/troubleTicket";

    private static object Ticket(Guid? customer, string type, string description, Guid? device = null, string? externalId = null) => new Dictionary<string, object?>
    {
        ["name"] = "No picture",
        ["description"] = description,
        ["severity"] = "major",
        ["ticketType"] = type,
        ["channel"] = new { name = "phone" },
        ["externalId"] = externalId,
        ["relatedParty"] = customer is null ? null : new[] { new Dictionary<string, object?> { ["id"] = customer.ToString(), ["role"] = "customer", ["@referredType"] = "Customer" } },
        ["relatedEntity"] = device is null ? null : new[] { new Dictionary<string, object?> { ["id"] = device.ToString(), ["role"] = "faultyDevice", ["@referredType"] = "Resource" } },
        ["note"] = new[] { new { text = "Customer called twice; Mrs Sharma at home after 6pm" } },
    };

    [Fact]
    public async Task Staff_and_subscribers_open_and_read_tickets_as_the_rules_say()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var (c1, c2) = (api.Db.Id("customer:1"), api.Db.Id("customer:2"));
        var box = api.Db.Id("device:1");

        // A technician logs an STB fault naming the box: 201, acknowledged, history and note recorded.
        var (status, fault) = await api.SendAsync(HttpMethod.Post, Path, Ticket(c1, "stbFault", "Box reboots every 10 minutes", box, "CRM-1"), role: StaffRoles.Technician);
        status.ShouldBe(HttpStatusCode.Created, fault.ToString());
        var faultId = fault.GetProperty("id").GetString()!;
        fault.GetProperty("status").GetString().ShouldBe("acknowledged");
        fault.GetProperty("ticketType").GetString().ShouldBe("stbFault");
        fault.GetProperty("description").GetString().ShouldBe("Box reboots every 10 minutes");
        fault.GetProperty("statusChange").GetArrayLength().ShouldBe(1);
        fault.GetProperty("relatedEntity")[0].GetProperty("@referredType").GetString().ShouldBe("Resource");
        fault.GetProperty("relatedEntity")[0].GetProperty("id").GetString().ShouldBe(box.ToString());
        fault.GetProperty("relatedParty")[0].GetProperty("id").GetString().ShouldBe(c1.ToString());
        fault.GetProperty("note")[0].GetProperty("author").GetString()!.ShouldStartWith("staff:");
        fault.GetProperty("@type").GetString().ShouldBe("TroubleTicket");
        (await api.SendAsync(HttpMethod.Get, fault.GetProperty("href").GetString()!, role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.OK); // the href resolves

        // The same external id again: the ticket opened first, 200.
        var (again, same) = await api.SendAsync(HttpMethod.Post, Path, Ticket(c1, "stbFault", "Box reboots", box, "CRM-1"), role: StaffRoles.CustomerService);
        again.ShouldBe(HttpStatusCode.OK);
        same.GetProperty("id").GetString().ShouldBe(faultId);

        // The subscriber opens one for themselves: the owner comes from the token.
        api.Db.Clock.Advance(TimeSpan.FromMinutes(5));
        var subscriber1 = await api.Identity.SubscriberTokenAsync(c1);
        var subscriber2 = await api.Identity.SubscriberTokenAsync(c2);
        var (own, mine) = await api.SendWithTokenAsync(HttpMethod.Post, Path, subscriber1, Ticket(null, "complaint", "Bill shows a channel I dropped"));
        own.ShouldBe(HttpStatusCode.Created, mine.ToString());
        mine.GetProperty("relatedParty")[0].GetProperty("id").GetString().ShouldBe(c1.ToString());
        mine.GetProperty("note")[0].GetProperty("author").GetString()!.ShouldStartWith("subscriber:");
        // ... never for someone else (answered as if that customer did not exist).
        (await api.SendWithTokenAsync(HttpMethod.Post, Path, subscriber1, Ticket(c2, "complaint", "x"))).Status.ShouldBe(HttpStatusCode.NotFound);

        // Reading: the owner yes, another subscriber 404 (also in the list: nothing), staff of the rule yes.
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Path}/{faultId}", subscriber1)).Status.ShouldBe(HttpStatusCode.OK);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Path}/{faultId}", subscriber2)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendWithTokenAsync(HttpMethod.Get, Path, subscriber1)).Body.GetArrayLength().ShouldBe(2);
        (await api.SendWithTokenAsync(HttpMethod.Get, Path, subscriber2)).Body.GetArrayLength().ShouldBe(0);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"{Path}?relatedParty.id={c1}", subscriber2)).Body.GetArrayLength().ShouldBe(0);

        // Who else: subscribers may not work tickets; other staff and clients 403; anonymous 401.
        (await api.SendWithTokenAsync(HttpMethod.Patch, $"{Path}/{faultId}", subscriber1, new { status = "cancelled" })).Status.ShouldBe(HttpStatusCode.Forbidden);
        foreach (var role in new[] { StaffRoles.BillingClerk, StaffRoles.InventoryClerk, StaffRoles.Analyst, StaffRoles.Cashier })
        {
            (await api.SendAsync(HttpMethod.Get, Path, role: role)).Status.ShouldBe(HttpStatusCode.Forbidden, role);
        }

        var client = await api.Identity.ClientTokenAsync("ticket-client", "customers:read", "orders:write");
        (await api.SendWithTokenAsync(HttpMethod.Post, Path, client, Ticket(c1, "incident", "x"))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await api.SendWithTokenAsync(HttpMethod.Get, Path, null)).Status.ShouldBe(HttpStatusCode.Unauthorized);

        // Bad input names the place; an STB fault without a box 400; another customer's box 422; unknown box 404. Nothing stored.
        var (bad, problem) = await api.SendAsync(HttpMethod.Post, Path, new { severity = "huge", ticketType = "stbFault", relatedParty = new[] { new { id = c1, role = "customer" } } },
            role: StaffRoles.CustomerService);
        bad.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").TryGetProperty("description", out _).ShouldBeTrue(problem.ToString());
        problem.GetProperty("errors").TryGetProperty("severity", out _).ShouldBeTrue(problem.ToString());
        problem.GetProperty("errors").TryGetProperty("relatedEntity", out _).ShouldBeTrue(problem.ToString());
        var (foreign, rule) = await api.SendAsync(HttpMethod.Post, Path, Ticket(c1, "stbFault", "x", api.Db.Id("device:2")), role: StaffRoles.Technician);
        foreign.ShouldBe(HttpStatusCode.UnprocessableEntity);
        rule.ToString().ShouldContain("TICKET-DEVICE-NOT-CUSTOMERS");
        (await api.SendAsync(HttpMethod.Post, Path, Ticket(c1, "stbFault", "x", Guid.NewGuid()), role: StaffRoles.Technician)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendAsync(HttpMethod.Post, Path, Ticket(Guid.NewGuid(), "incident", "x"), role: StaffRoles.Technician)).Status.ShouldBe(HttpStatusCode.NotFound);

        // Filters and paging in SQL.
        (await api.SendAsync(HttpMethod.Get, $"{Path}?ticketType=stbFault", role: StaffRoles.CustomerService)).Body.GetArrayLength().ShouldBe(1);
        (await api.SendAsync(HttpMethod.Get, $"{Path}?relatedEntity.id={box}", role: StaffRoles.CustomerService)).Body.GetArrayLength().ShouldBe(1);
        (await api.SendAsync(HttpMethod.Get, $"{Path}?status=acknowledged&relatedParty.id={c1}", role: StaffRoles.CustomerService)).Body.GetArrayLength().ShouldBe(2);
        (await api.SendAsync(HttpMethod.Get, $"{Path}?relatedParty.id={c2}", role: StaffRoles.CustomerService)).Body.GetArrayLength().ShouldBe(0);
        (await api.SendAsync(HttpMethod.Get, $"{Path}?status=open", role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.BadRequest);
        using (var request = await api.RequestAsync(HttpMethod.Get, $"{Path}?limit=1&offset=1", role: StaffRoles.CustomerService))
        using (var response = await api.Client.SendAsync(request))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Headers.GetValues("X-Total-Count").Single().ShouldBe("2");
            response.Headers.GetValues("X-Result-Count").Single().ShouldBe("1");
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            page.RootElement[0].GetProperty("id").GetString().ShouldBe(faultId); // newest first: the fault is the older one
        }

        // Free text is encrypted at rest and redacted in the audit log; the ticket itself is audited with its customer.
        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        var stored = await conn.QuerySingleAsync<byte[]>("SELECT description_enc FROM hub.trouble_ticket WHERE id = @id", new { id = Guid.Parse(faultId) });
        Encoding.UTF8.GetString(stored).ShouldNotContain("reboots");
        (await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM hub.audit_log WHERE table_name = 'trouble_ticket' AND customer_id = @c1", new { c1 })).ShouldBe(2);
        (await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM hub.audit_log WHERE table_name LIKE 'trouble_ticket%' AND (after::text LIKE '%reboots%' OR after::text LIKE '%Sharma%')")).ShouldBe(0);
        (await conn.ExecuteScalarAsync<string>("SELECT after->>'description_enc' FROM hub.audit_log WHERE table_name = 'trouble_ticket' LIMIT 1")).ShouldBe("[redacted]");
    }

    [Fact]
    public async Task Status_follows_the_TMF621_lifecycle_and_a_step_it_does_not_allow_is_a_409_that_changes_nothing()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var (_, created) = await api.SendAsync(HttpMethod.Post, Path, Ticket(api.Db.Id("customer:1"), "incident", "No sound on news channels"), role: StaffRoles.CustomerService);
        var path = $"{Path}/{created.GetProperty("id").GetString()}";

        var (skip, conflict) = await api.SendAsync(HttpMethod.Patch, path, new { status = "closed" }, role: StaffRoles.Technician);
        skip.ShouldBe(HttpStatusCode.Conflict);
        conflict.ToString().ShouldContain("TICKET-STATUS-TRANSITION");
        var (_, unchanged) = await api.SendAsync(HttpMethod.Get, path, role: StaffRoles.Technician);
        unchanged.GetProperty("status").GetString().ShouldBe("acknowledged");
        unchanged.GetProperty("statusChange").GetArrayLength().ShouldBe(1);

        api.Db.Clock.Advance(TimeSpan.FromHours(1));
        var (taken, working) = await api.SendAsync(HttpMethod.Patch, path,
            new { status = "inProgress", statusChangeReason = "technician assigned", severity = "minor", note = new[] { new { text = "visit booked" } } }, role: StaffRoles.Technician);
        taken.ShouldBe(HttpStatusCode.OK, working.ToString());
        working.GetProperty("status").GetString().ShouldBe("inProgress");
        working.GetProperty("severity").GetString().ShouldBe("minor");
        working.GetProperty("statusChangeReason").GetString().ShouldBe("technician assigned");
        working.GetProperty("note").GetArrayLength().ShouldBe(2);
        working.GetProperty("note")[1].GetProperty("text").GetString().ShouldBe("visit booked");

        api.Db.Clock.Advance(TimeSpan.FromHours(1));
        var (_, resolved) = await api.SendAsync(HttpMethod.Patch, path, new { status = "resolved" }, role: StaffRoles.Technician);
        resolved.GetProperty("resolutionDate").GetDateTimeOffset().ShouldBe(api.Db.Clock.GetUtcNow());
        var (reopen, reopened) = await api.SendAsync(HttpMethod.Patch, path, new { status = "inProgress", statusChangeReason = "still no sound" }, role: StaffRoles.CustomerService);
        reopen.ShouldBe(HttpStatusCode.OK);
        reopened.TryGetProperty("resolutionDate", out _).ShouldBeFalse("reopened: not resolved any more");
        await api.SendAsync(HttpMethod.Patch, path, new { status = "resolved" }, role: StaffRoles.Technician);
        var (close, closed) = await api.SendAsync(HttpMethod.Patch, path, new { status = "closed" }, role: StaffRoles.CustomerService);
        close.ShouldBe(HttpStatusCode.OK);
        closed.GetProperty("statusChange").EnumerateArray().Select(s => s.GetProperty("status").GetString())
            .ShouldBe(["acknowledged", "inProgress", "resolved", "inProgress", "resolved", "closed"]);
        (await api.SendAsync(HttpMethod.Patch, path, new { status = "inProgress" }, role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.Conflict); // closed is final

        // Attributes a PATCH cannot change, unknown statuses, unknown tickets.
        var (other, refused) = await api.SendAsync(HttpMethod.Patch, path, new { ticketType = "billing", relatedParty = Array.Empty<object>() }, role: StaffRoles.CustomerService);
        other.ShouldBe(HttpStatusCode.BadRequest);
        refused.GetProperty("errors").TryGetProperty("ticketType", out _).ShouldBeTrue(refused.ToString());
        (await api.SendAsync(HttpMethod.Patch, path, new { status = "done" }, role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.BadRequest);
        (await api.SendAsync(HttpMethod.Patch, $"{Path}/{Guid.NewGuid()}", new { status = "closed" }, role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_access_export_holds_the_tickets_and_erasure_overwrites_their_free_text_and_keeps_the_rest()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var (c1, c2) = (api.Db.Id("customer:1"), api.Db.Id("customer:2"));
        var (_, ticket) = await api.SendAsync(HttpMethod.Post, Path, Ticket(c1, "stbFault", "Box dead since the storm at 12 Park Street", api.Db.Id("device:1")), role: StaffRoles.Technician);
        var path = $"{Path}/{ticket.GetProperty("id").GetString()}";
        await api.SendAsync(HttpMethod.Patch, path, new { status = "inProgress", statusChangeReason = "called Mr Rao back" }, role: StaffRoles.Technician);
        await api.SendAsync(HttpMethod.Post, Path, Ticket(c2, "incident", "Other customer's text"), role: StaffRoles.Technician);

        var records = api.Db.Services.GetServices<IDataSubjectRecords>().OfType<TicketDataSubjectRecords>().ShouldHaveSingleItem();
        var section = await records.CollectAsync(c1, TestContext.Current.CancellationToken);
        section.Holder.ShouldBe("tickets");
        var tickets = section.Tables.Single(t => t.Name == "trouble tickets");
        tickets.Rows.Count.ShouldBe(1);
        tickets.Rows[0][tickets.Columns.ToList().IndexOf("description")].ShouldBe("Box dead since the storm at 12 Park Street");
        section.Tables.Single(t => t.Name == "ticket notes").Rows.Count.ShouldBe(1);
        section.Tables.Single(t => t.Name == "ticket status changes").Rows.Select(r => r[3]).ShouldContain("called Mr Rao back");

        var eraser = api.Db.Services.GetServices<IDataSubjectEraser>().OfType<TicketErasure>().ShouldHaveSingleItem();
        var erased = await eraser.EraseAsync(c1, "staff:officer", TestContext.Current.CancellationToken);
        erased.Done[0].ShouldStartWith("1 trouble ticket(s)");
        erased.Done[1].ShouldBe("1 ticket note(s) and 1 status-change reason(s) overwritten");
        (await eraser.EraseAsync(c1, "staff:officer", TestContext.Current.CancellationToken)).Done[0].ShouldStartWith("0 trouble ticket(s)"); // idempotent

        var (_, after) = await api.SendAsync(HttpMethod.Get, path, role: StaffRoles.CustomerService);
        after.GetProperty("description").GetString().ShouldBe(TicketStore.Erased);
        after.GetProperty("name").GetString().ShouldBe(TicketStore.Erased);
        after.GetProperty("note")[0].GetProperty("text").GetString().ShouldBe(TicketStore.Erased);
        after.GetProperty("statusChange")[1].GetProperty("changeReason").GetString().ShouldBe(TicketStore.Erased);
        after.GetProperty("status").GetString().ShouldBe("inProgress");     // kept, pseudonymous
        after.GetProperty("ticketType").GetString().ShouldBe("stbFault");
        (await api.SendAsync(HttpMethod.Patch, path, new { note = new[] { new { text = "more" } } }, role: StaffRoles.Technician)).Status.ShouldBe(HttpStatusCode.Conflict);
        (await api.SendAsync(HttpMethod.Get, $"{Path}?relatedParty.id={c2}", role: StaffRoles.CustomerService)).Body[0].GetProperty("description").GetString()
            .ShouldBe("Other customer's text"); // nobody else's

        await using var conn = await api.Db.DataSource.OpenConnectionAsync();
        (await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM hub.trouble_ticket t WHERE customer_id = @c1 AND (length(description_enc) > 0 OR erased_at IS NULL)", new { c1 })).ShouldBe(0);
    }

    [Fact]
    public void Only_columns_without_free_text_leave_the_database_in_the_change_stream()
    {
        foreach (var (table, columns) in TicketsModule.StreamedColumns)
        {
            table.ShouldStartWith("hub.trouble_ticket");
            var list = columns.Split(',');
            list.ShouldNotContain(c => c.EndsWith("_enc", StringComparison.Ordinal), table);
            list.ShouldNotContain("opened_by");
            list.ShouldNotContain("external_id");
            list.ShouldNotContain("author");
        }

        TicketsModule.StreamedColumns["hub.trouble_ticket"].Split(',').ShouldContain("creation_date");
        TicketsModule.StreamedColumns["hub.trouble_ticket"].Split(',').ShouldContain("device_id");
    }
}
