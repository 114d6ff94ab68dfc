using CableHub.Catalog.Contracts;
using CableHub.Core.Persistence;
using CableHub.Customers;
using CableHub.Customers.Contracts;
using CableHub.Inventory.Contracts;
using CableHub.Modules.Testing;
using CableHub.Ordering;
using CableHub.Ordering.Contracts;
using CableHub.Subscriptions.Contracts;
using Dapper;

namespace CableHub.Subscriptions.Tests;

/// <summary>Subscriptions and entitlements through the module's contract (the channels come from the catalog's).</summary>
public sealed class SubscriptionTests(OperationalDatabase db) : IClassFixture<OperationalDatabase>
{
    [Fact]
    public async Task Active_subscription_entitles_the_box_to_every_channel_of_the_plan_once()
    {
        await db.AddStbsAsync(1);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var session = new DbSession(conn, tx);
        var placed = await db.Get<ProductOrderStore>().PlaceAsync(new PlaceProductOrder(null,
            new NewCustomer("Ravi", "Kumar", null, "ravi@example.in", null, null), db.PlanId, "1", "INR", "online", 5, "corr-sub"), conn, tx);
        var box = (await db.Get<IStbReservations>().ReserveAsync(new ReserveStbForOrder(placed.OrderId, placed.CustomerId, new MovementContext("test", "reserved")), session, CancellationToken.None))
            .ShouldNotBeNull();
        var channels = await db.Get<IPlanCatalog>().ChannelIdsForPlanAsync(db.PlanId, session, CancellationToken.None);
        channels.Count.ShouldBe(2);
        var at = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);
        var command = new CreateActiveSubscription(placed.OrderId, placed.CustomerId, placed.BillingAccountId, db.PlanId, box.DeviceId, channels, at);
        var subscriptions = db.Get<ISubscriptions>();
        var id = await subscriptions.CreateActiveAsync(command, session, CancellationToken.None);
        (await subscriptions.CreateActiveAsync(command, session, CancellationToken.None)).ShouldBe(id);
        await db.Get<ICustomerRegistry>().ActivateAsync(new ActivateCustomer(placed.CustomerId), session, CancellationToken.None);
        await tx.CommitAsync();

        var products = await conn.QueryAsync<string>(
            "SELECT c.cas_product_id FROM hub.entitlement e JOIN hub.channel c ON c.id = e.channel_id WHERE e.subscription_id = @id ORDER BY 1", new { id });
        products.ShouldBe(await db.Get<IPlanCatalog>().CasProductIdsForPlanAsync(db.PlanId, CancellationToken.None));
        (await subscriptions.GetByOrderAsync(placed.OrderId, CancellationToken.None))!.Status.ShouldBe(SubscriptionStatus.Active);
        (await subscriptions.EntitledChannelIdsAsync(new EntitlementQuery(placed.CustomerId, null, at, [SubscriptionStatus.Active]), CancellationToken.None))
            .ShouldBe(channels, ignoreOrder: true);
        (await subscriptions.EntitledChannelIdsAsync(new EntitlementQuery(null, [box.DeviceId], at.AddSeconds(-1), [SubscriptionStatus.Active]), CancellationToken.None))
            .ShouldBeEmpty("entitlements start when the subscription does");
        (await subscriptions.CountCustomersOnPlansAsync([db.PlanId], session with { Transaction = null }, CancellationToken.None)).ShouldBe(1);
        (await db.Get<CustomerStore>().GetAsync(placed.CustomerId))!.Status.ShouldBe(CustomerStatus.Active);
    }
}
