using System.Net;
using CableHub.Core.Api.Access;
using CableHub.Modules.Testing;
using CableHub.Subscriptions.Contracts;
using CableHub.Testing;

namespace CableHub.Subscriptions.Tests;

/// <summary>
/// <c>POST /api/v1/subscriptions/{id}/deviceSwap</c> over HTTP with real tokens: a technician (and customer service) may ask for a
/// swap — 202, the request in the outbox for the lifecycle saga (whose work <c>DeviceSwapSagaTests</c> proves); subscribers, other
/// staff and clients are refused; unknown products 404; a box that is not the product's, or a product no longer active, 409.
/// </summary>
public sealed class DeviceSwapApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_technician_asks_for_a_box_swap_and_the_request_reaches_the_outbox_others_are_refused()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        var (subscription, box, customer) = (api.Db.Id("subscription:1"), api.Db.Id("device:1"), api.Db.Id("customer:1"));
        var path = $"/api/v1/subscriptions/{subscription}/deviceSwap";
        var requestId = Guid.NewGuid();

        var (status, accepted) = await api.SendAsync(HttpMethod.Post, path, new { faultyDeviceId = box, reason = "no signal on any channel", requestId }, role: StaffRoles.Technician);
        status.ShouldBe(HttpStatusCode.Accepted, accepted.ToString());
        accepted.GetProperty("id").GetGuid().ShouldBe(requestId);
        accepted.GetProperty("subscriptionId").GetGuid().ShouldBe(subscription);
        accepted.GetProperty("faultyDeviceId").GetGuid().ShouldBe(box);
        accepted.GetProperty("state").GetString().ShouldBe("acknowledged");
        var product = accepted.GetProperty("productHref").GetString()!;
        (await api.SendAsync(HttpMethod.Get, product, role: StaffRoles.CustomerService)).Status.ShouldBe(HttpStatusCode.OK); // the href resolves

        // The outcome: the swap request in the outbox (one transaction), carrying who asked.
        var requested = api.Events.OfType<SubscriptionDeviceSwapRequested>().ShouldHaveSingleItem();
        requested.RequestId.ShouldBe(requestId);
        requested.SubscriptionId.ShouldBe(subscription);
        requested.FaultyDeviceId.ShouldBe(box);
        requested.Reason.ShouldBe("no signal on any channel");
        requested.RequestedBy.ShouldStartWith("staff:");

        // Customer service may too (default reason "faulty").
        var (byCare, care) = await api.SendAsync(HttpMethod.Post, path, new { faultyDeviceId = box }, role: StaffRoles.CustomerService);
        byCare.ShouldBe(HttpStatusCode.Accepted, care.ToString());
        care.GetProperty("reason").GetString().ShouldBe("faulty");

        // Everyone else: 403 (the subscriber who owns the product included), anonymous 401.
        foreach (var role in new[] { StaffRoles.BillingClerk, StaffRoles.InventoryClerk, StaffRoles.CatalogManager, StaffRoles.Analyst })
        {
            (await api.SendAsync(HttpMethod.Post, path, new { faultyDeviceId = box }, role: role)).Status.ShouldBe(HttpStatusCode.Forbidden, role);
        }

        var subscriber = await api.Identity.SubscriberTokenAsync(customer);
        (await api.SendWithTokenAsync(HttpMethod.Post, path, subscriber, new { faultyDeviceId = box })).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await api.SendWithTokenAsync(HttpMethod.Post, path, null, new { faultyDeviceId = box })).Status.ShouldBe(HttpStatusCode.Unauthorized);
        var client = await api.Identity.ClientTokenAsync("swap-client", "orders:write", "customers:read");
        (await api.SendWithTokenAsync(HttpMethod.Post, path, client, new { faultyDeviceId = box })).Status.ShouldBe(HttpStatusCode.Forbidden);

        // Unknown product 404; not the product's box or a terminated product 409; no box named 400. Nothing more reached the outbox.
        (await api.SendAsync(HttpMethod.Post, $"/api/v1/subscriptions/{Guid.NewGuid()}/deviceSwap", new { faultyDeviceId = box }, role: StaffRoles.Technician))
            .Status.ShouldBe(HttpStatusCode.NotFound);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/subscriptions/not-a-product/deviceSwap", new { faultyDeviceId = box }, role: StaffRoles.Technician))
            .Status.ShouldBe(HttpStatusCode.NotFound);
        var (wrongBox, problem) = await api.SendAsync(HttpMethod.Post, path, new { faultyDeviceId = api.Db.Id("device:2") }, role: StaffRoles.Technician);
        wrongBox.ShouldBe(HttpStatusCode.Conflict);
        problem.ToString().ShouldContain("DEVICE-NOT-OF-PRODUCT");
        (await api.SendAsync(HttpMethod.Post, $"/api/v1/subscriptions/{api.Db.Id("subscription:3")}/deviceSwap", new { faultyDeviceId = api.Db.Id("device:3") },
            role: StaffRoles.Technician)).Status.ShouldBe(HttpStatusCode.Conflict);
        var (missing, invalid) = await api.SendAsync(HttpMethod.Post, path, new { reason = "?" }, role: StaffRoles.Technician);
        missing.ShouldBe(HttpStatusCode.BadRequest);
        invalid.ToString().ShouldContain("faultyDeviceId");
        api.Events.OfType<SubscriptionDeviceSwapRequested>().Count().ShouldBe(2);
    }
}
