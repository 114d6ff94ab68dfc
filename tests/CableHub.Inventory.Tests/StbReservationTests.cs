using CableHub.Core.Persistence;
using CableHub.Customers.Contracts;
using CableHub.Inventory.Contracts;
using CableHub.Modules.Testing;
using CableHub.Ordering;
using CableHub.Ordering.Contracts;

namespace CableHub.Inventory.Tests;

/// <summary>The set-top box commands onboarding sends to Inventory (the one writer of hub.device), through its contract.</summary>
public sealed class StbReservationTests(OperationalDatabase db) : IClassFixture<OperationalDatabase>
{
    private static readonly MovementContext Context = new("test", "reserved for product order");

    private IStbReservations Stbs => db.Get<IStbReservations>();

    private async Task<PlacedProductOrder> PlaceAsync()
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var placed = await db.Get<ProductOrderStore>().PlaceAsync(new PlaceProductOrder(null,
            new NewCustomer("Asha", "Rao", null, "asha." + Guid.NewGuid().ToString("N")[..6] + "@example.in", null, null),
            db.PlanId, "1", "INR", "online", 5, "corr-" + Guid.NewGuid().ToString("N")[..8]), conn, tx);
        await tx.CommitAsync();
        return placed;
    }

    [Fact]
    public async Task Concurrent_reservations_never_share_a_box_and_repeat_returns_the_same_box()
    {
        await db.AddStbsAsync(20);
        var orders = new List<PlacedProductOrder>();
        for (var i = 0; i < 20; i++)
        {
            orders.Add(await PlaceAsync());
        }

        var reserved = await Task.WhenAll(orders.Select(async o =>
        {
            await using var conn = await db.DataSource.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            var box = await Stbs.ReserveAsync(new ReserveStbForOrder(o.OrderId, o.CustomerId, Context), new DbSession(conn, tx), CancellationToken.None);
            await tx.CommitAsync();
            return (o, box);
        }));
        var boxes = reserved.Where(r => r.box is not null).Select(r => r.box!.DeviceId).ToList();
        boxes.Distinct().Count().ShouldBe(boxes.Count);

        var (firstOrder, firstBox) = reserved.First(r => r.box is not null);
        await using var again = await db.DataSource.OpenConnectionAsync();
        await using var tx2 = await again.BeginTransactionAsync();
        var session = new DbSession(again, tx2);
        (await Stbs.ReserveAsync(new ReserveStbForOrder(firstOrder.OrderId, firstOrder.CustomerId, Context), session, CancellationToken.None))!.DeviceId.ShouldBe(firstBox!.DeviceId);
        (await Stbs.ReleaseAsync(new ReleaseStbReservation(firstBox.DeviceId, firstOrder.OrderId, Context), session, CancellationToken.None)).ShouldBeTrue();
        await tx2.CommitAsync();
        (await db.Get<InventoryStore>().GetItemAsync(firstBox.DeviceId))!.Status.ShouldBe(DeviceStatus.InStock);
    }

    [Fact]
    public async Task An_installed_box_is_active_and_every_change_is_a_recorded_movement()
    {
        await db.AddStbsAsync(1);
        var placed = await PlaceAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var session = new DbSession(conn, tx);
        var box = (await Stbs.ReserveAsync(new ReserveStbForOrder(placed.OrderId, placed.CustomerId, Context), session, CancellationToken.None)).ShouldNotBeNull();
        (await Stbs.LockAsync(box.DeviceId, session, CancellationToken.None))!.IsReservedFor(placed.OrderId).ShouldBeTrue();
        await Stbs.InstallAsync(new InstallStb(box.DeviceId, placed.CustomerId, new MovementContext("test", "installed for product order", placed.OrderId.ToString())), session, CancellationToken.None);
        await tx.CommitAsync();

        var installed = (await db.Get<InventoryStore>().GetItemAsync(box.DeviceId))!;
        installed.Status.ShouldBe(DeviceStatus.Installed);
        installed.ActivationState.ShouldBe(ActivationState.Active);
        var movements = await db.Get<InventoryStore>().GetMovementsAsync(box.DeviceId);
        movements.Select(m => (m.ToStatus, m.Actor, m.Reason)).ShouldContain((DeviceStatus.Installed, "test", "installed for product order"));
        (await db.Get<IDeviceDirectory>().FindIdsAsync(installed.SerialNumber, CancellationToken.None)).ShouldBe([box.DeviceId]);
    }
}
