using CableHub.Customers;
using CableHub.Customers.Contracts;
using CableHub.Modules.Testing;
using CableHub.Ordering.Contracts;
using Dapper;

namespace CableHub.Ordering.Tests;

/// <summary>Orders with their new customer (one transaction, personal data encrypted), idempotent placement, final states.</summary>
public sealed class ProductOrderStoreTests(OperationalDatabase db) : IClassFixture<OperationalDatabase>
{
    private readonly CustomerStore _customers = db.Get<CustomerStore>();

    private ProductOrderStore Orders => db.Get<ProductOrderStore>();

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
}
