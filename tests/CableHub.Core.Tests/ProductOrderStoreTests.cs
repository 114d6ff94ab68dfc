using CableHub.Core.Catalog;
using CableHub.Core.Customers;
using CableHub.Core.Devices;
using CableHub.Core.Orders;
using CableHub.Core.Subscriptions;
using Dapper;

namespace CableHub.Core.Tests;

public sealed class ProductOrderStoreTests(OperationalDatabase db) : IClassFixture<OperationalDatabase>
{
    private readonly CustomerStore _customers = new(db.DataSource, db.Encryptor);

    private ProductOrderStore Orders => new(db.DataSource, _customers);

    private PlaceProductOrder NewOrder(string? externalId = null) => new(
        externalId,
        new NewCustomer("Priya", "Sharma", new DateOnly(1990, 4, 2), "priya.sharma@example.in", "+91 98765 43210",
            new PostalAddress("12 MG Road", "Pune", "411001", "MH", "IN")),
        db.PlanId, "1", "INR", "online", 5, "corr-" + Guid.NewGuid().ToString("N")[..8]);

    private async Task<PlacedProductOrder> PlaceAsync(PlaceProductOrder order)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var placed = await Orders.PlaceAsync(order, conn, tx);
        await tx.CommitAsync();
        return placed;
    }

    [Fact]
    public async Task Placed_order_is_acknowledged_with_encrypted_customer_data()
    {
        var placed = await PlaceAsync(NewOrder());
        var order = await Orders.GetAsync(placed.OrderId);
        order.ShouldNotBeNull();
        order.State.ShouldBe(ProductOrderState.Acknowledged);
        order.Items.Single().PlanId.ShouldBe(db.PlanId);
        order.History.Select(h => h.State).ShouldBe([ProductOrderState.Acknowledged]);

        var customer = await _customers.GetAsync(placed.CustomerId);
        customer.ShouldNotBeNull();
        customer.GivenName.ShouldBe("Priya");
        customer.Email.ShouldBe("priya.sharma@example.in");
        customer.Address!.City.ShouldBe("Pune");
        customer.BirthDate.ShouldBe(new DateOnly(1990, 4, 2));
        customer.CustomerNumber.ShouldStartWith("C");

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var raw = await conn.QuerySingleAsync<byte[]>("SELECT given_name_enc FROM hub.customer WHERE id = @id", new { id = placed.CustomerId });
        System.Text.Encoding.UTF8.GetString(raw).ShouldNotContain("Priya");
        (await _customers.FindByEmailAsync("PRIYA.SHARMA@example.in")).ShouldContain(placed.CustomerId);
    }

    [Fact]
    public async Task Same_external_id_is_placed_once()
    {
        var external = "ext-" + Guid.NewGuid();
        var first = await PlaceAsync(NewOrder(external));
        var second = await PlaceAsync(NewOrder(external));
        second.AlreadyExisted.ShouldBeTrue();
        second.OrderId.ShouldBe(first.OrderId);
    }

    [Fact]
    public async Task Final_states_are_never_left_and_repeated_changes_are_no_ops()
    {
        var placed = await PlaceAsync(NewOrder());
        (await Orders.SetStateAsync(placed.OrderId, ProductOrderState.InProgress, null)).ShouldBeTrue();
        (await Orders.SetStateAsync(placed.OrderId, ProductOrderState.InProgress, null)).ShouldBeFalse();
        (await Orders.SetStateAsync(placed.OrderId, ProductOrderState.Failed, "no set-top box in stock")).ShouldBeTrue();
        (await Orders.SetStateAsync(placed.OrderId, ProductOrderState.Completed, null)).ShouldBeFalse();
        var order = await Orders.GetAsync(placed.OrderId);
        order!.State.ShouldBe(ProductOrderState.Failed);
        order.StateReason.ShouldBe("no set-top box in stock");
        order.CompletedAt.ShouldNotBeNull();
        order.History.Select(h => h.State).ShouldBe([ProductOrderState.Acknowledged, ProductOrderState.InProgress, ProductOrderState.Failed]);
    }

    [Fact]
    public async Task Concurrent_reservations_never_share_a_box_and_repeat_returns_the_same_box()
    {
        await db.AddStbsAsync(20);
        var orders = new List<PlacedProductOrder>();
        for (var i = 0; i < 20; i++)
        {
            orders.Add(await PlaceAsync(NewOrder()));
        }

        var reserved = await Task.WhenAll(orders.Select(async o =>
        {
            await using var conn = await db.DataSource.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            var device = await DeviceStore.ReserveStbAsync(o.OrderId, o.CustomerId, conn, tx);
            await tx.CommitAsync();
            return (o, device);
        }));
        var boxes = reserved.Where(r => r.device is not null).Select(r => r.device!.Id).ToList();
        boxes.Distinct().Count().ShouldBe(boxes.Count);

        var (firstOrder, firstDevice) = reserved.First(r => r.device is not null);
        await using var again = await db.DataSource.OpenConnectionAsync();
        (await DeviceStore.ReserveStbAsync(firstOrder.OrderId, firstOrder.CustomerId, again, null))!.Id.ShouldBe(firstDevice!.Id);
        (await DeviceStore.ReleaseReservationAsync(firstDevice.Id, firstOrder.OrderId, again, null)).ShouldBe(1);
        (await new DeviceStore(db.DataSource).GetAsync(firstDevice.Id))!.Status.ShouldBe(DeviceStatus.InStock);
    }

    [Fact]
    public async Task Active_subscription_entitles_the_box_to_every_channel_of_the_plan_once()
    {
        await db.AddStbsAsync(1);
        var placed = await PlaceAsync(NewOrder());
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var device = await DeviceStore.ReserveStbAsync(placed.OrderId, placed.CustomerId, conn, null);
        device.ShouldNotBeNull();
        var at = DateTimeOffset.UtcNow;
        var id = await SubscriptionStore.CreateActiveAsync(placed.OrderId, placed.CustomerId, placed.BillingAccountId, db.PlanId, device.Id, at, conn, null);
        var again = await SubscriptionStore.CreateActiveAsync(placed.OrderId, placed.CustomerId, placed.BillingAccountId, db.PlanId, device.Id, at, conn, null);
        again.ShouldBe(id);
        var products = await conn.QueryAsync<string>(
            "SELECT c.cas_product_id FROM hub.entitlement e JOIN hub.channel c ON c.id = e.channel_id WHERE e.subscription_id = @id ORDER BY 1", new { id });
        products.ShouldBe(await new CatalogStore(db.DataSource).CasProductIdsForPlanAsync(db.PlanId));
        (await _customers.GetAsync(placed.CustomerId))!.Status.ShouldBe(CustomerStatus.Active);
        (await DeviceStore.MarkInstalledAndActiveAsync(device.Id, placed.CustomerId, conn, null)).ShouldBe(1);
        var installed = await new DeviceStore(db.DataSource).GetAsync(device.Id);
        installed!.Status.ShouldBe(DeviceStatus.Installed);
        installed.ActivationState.ShouldBe(ActivationState.Active);
    }

    [Fact]
    public async Task Plans_read_with_money_and_period()
    {
        var plan = await new CatalogStore(db.DataSource).GetPlanByCodeAsync("BASIC-M");
        plan.ShouldNotBeNull();
        plan.Price.ShouldBe(new Money(299.00m, "INR"));
        plan.BillingPeriod.ShouldBe(BillingPeriod.Monthly);
        BillingPeriod.Months(BillingPeriod.Semiannual).ShouldBe(6);
    }
}
