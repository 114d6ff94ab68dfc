using System.Collections.Concurrent;
using CableHub.Ordering.Contracts;
using CableHub.Customers;
using CableHub.Customers.Contracts;
using CableHub.Ordering;
using CableHub.Core.Security;
using CableHub.Core.Persistence;
using CableHub.Sagas.Messaging;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Wolverine;

namespace CableHub.Sagas.Tests;

/// <summary>
/// A hub database for tests: core's migrations applied, a small catalog (one plan, two channels), stock
/// helpers and queries over hub and Wolverine tables.
/// </summary>
public sealed class HubTestDatabase : IAsyncDisposable
{
    public static readonly Guid PlanId = new("00000000-0000-0000-0000-0000000000c1");

    public static readonly string[] PlanProducts = ["P101", "P102"];

    private HubTestDatabase(string connectionString, NpgsqlDataSource dataSource)
    {
        ConnectionString = connectionString;
        DataSource = dataSource;
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The logs Diagnostics reports from, when set.</summary>
    public CapturedLogs? Logs { get; set; }

    private ServiceProvider? _services;

    /// <summary>The modules' services on this database (what the steps use; the order placement the HTTP layer does).</summary>
    private ServiceProvider Services => _services ??= ModuleServices.Build(DataSource, TimeProvider.System);

    private ProductOrderStore Orders => Services.GetRequiredService<ProductOrderStore>();

    /// <summary>A new database on <paramref name="postgres"/>, migrated and seeded.</summary>
    public static async Task<HubTestDatabase> CreateAsync(PostgresFixture postgres)
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync();
        var db = new HubTestDatabase(connectionString, OperationalStore.CreateDataSource(connectionString));
        await db.SeedCatalogAsync();
        return db;
    }

    /// <summary>An existing, seeded database (the crash worker).</summary>
    public static HubTestDatabase Open(string connectionString) => new(connectionString, OperationalStore.CreateDataSource(connectionString));

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await DataSource.DisposeAsync();
    }

    /// <summary>Takes every box out of stock and puts <paramref name="count"/> new ones in; returns them.</summary>
    public async Task<IReadOnlyList<StockBox>> ResetStockAsync(int count)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE hub.device SET status = 'refurbishing' WHERE status = 'in_stock'");
        var boxes = Enumerable.Range(0, count)
            .Select(_ => new StockBox(Guid.NewGuid(), "CA" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant()))
            .ToList();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.device (id, serial_number, kind, model_code, cas_id, status, location_id)
            VALUES (@Id, 'SN-' || @CasId, 'stb', 'DSB-1000', @CasId, 'in_stock', '00000000-0000-0000-0000-000000000001')
            """, boxes);
        return boxes;
    }

    /// <summary>Places an order (customer, account, order acknowledged) without publishing anything.</summary>
    public async Task<PlacedProductOrder> PlaceOrderAsync(string correlationId)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var placed = await Orders.PlaceAsync(NewOrder(correlationId), conn, tx);
        await tx.CommitAsync();
        return placed;
    }

    /// <summary>Places an order and publishes <see cref="ProductOrderAcknowledged"/> in the same transaction (what the HTTP layer does).</summary>
    public async Task<PlacedProductOrder> PlaceAndAcknowledgeAsync(IHost host, string correlationId)
    {
        var outbox = host.Services.GetRequiredService<HubOutbox>();
        await using var tx = await outbox.BeginAsync(correlationId, CancellationToken.None);
        var placed = await Orders.PlaceAsync(NewOrder(correlationId), tx.Connection, tx.Transaction);
        await tx.PublishAsync(Acknowledged(placed));
        await tx.CommitAsync(CancellationToken.None);
        return placed;
    }

    /// <summary>Publishes (again) the acknowledgement of an order through the outbox.</summary>
    public async Task AcknowledgeAsync(IHost host, PlacedProductOrder placed, string correlationId)
    {
        var outbox = host.Services.GetRequiredService<HubOutbox>();
        await using var tx = await outbox.BeginAsync(correlationId, CancellationToken.None);
        await tx.PublishAsync(Acknowledged(placed));
        await tx.CommitAsync(CancellationToken.None);
    }

    /// <summary>
    /// Places a TMF622 change order for a live subscription and publishes <see cref="CableHub.Ordering.Contracts.SubscriptionChangeOrdered"/>
    /// in the same transaction (what the HTTP layer does for a <c>modify</c> / <c>add</c> / <c>delete</c> item).
    /// </summary>
    public async Task<Guid> PlaceChangeAsync(IHost host, Guid subscriptionId, string action, string? offeringKind = null, Guid? offeringId = null, string? reason = null)
    {
        var detail = (await host.Services.GetRequiredService<CableHub.Subscriptions.Contracts.ISubscriptionLifecycle>().GetAsync(subscriptionId, CancellationToken.None))!;
        var tmfAction = action switch
        {
            CableHub.Ordering.Contracts.SubscriptionChangeAction.AddOffering => "add",
            CableHub.Ordering.Contracts.SubscriptionChangeAction.RemoveOffering or CableHub.Ordering.Contracts.SubscriptionChangeAction.Disconnect => "delete",
            _ => "modify",
        };
        var status = action switch
        {
            CableHub.Ordering.Contracts.SubscriptionChangeAction.Suspend => "suspended",
            CableHub.Ordering.Contracts.SubscriptionChangeAction.Restore => "active",
            _ => null,
        };
        var correlation = "chg-" + Guid.NewGuid().ToString("N")[..10];
        await using var tx = await host.Services.GetRequiredService<HubOutbox>().BeginAsync(correlation, CancellationToken.None);
        var placed = await host.Services.GetRequiredService<ProductOrderStore>().PlaceChangeAsync(new PlaceChangeOrder(null, detail.CustomerId, detail.BillingAccountId, subscriptionId,
            "1", tmfAction, action, offeringKind, offeringId, offeringKind == "plan" ? offeringId : null, status, reason, false, null, correlation), tx.Connection, tx.Transaction);
        await tx.PublishAsync(new CableHub.Ordering.Contracts.SubscriptionChangeOrdered(placed.OrderId, detail.CustomerId, subscriptionId, action, offeringKind, offeringId,
            reason, false, null, DateTimeOffset.UtcNow));
        await tx.CommitAsync(CancellationToken.None);
        return placed.OrderId;
    }

    public ProductOrderAcknowledged Acknowledged(PlacedProductOrder placed) =>
        new(placed.OrderId, placed.CustomerId, placed.BillingAccountId, PlanId, new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));

    /// <summary>Waits until the order is in a final state and its saga has finished; returns the order.</summary>
    public async Task<ProductOrder> WaitUntilFinishedAsync(Guid orderId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var order = await Orders.GetAsync(orderId) ?? throw new InvalidOperationException($"order {orderId} does not exist");
            if (ProductOrderState.IsFinal(order.State) && !await SagaExistsAsync(orderId))
            {
                return order;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"order {orderId} is still {order.State} (saga running: {await SagaExistsAsync(orderId)})\n{await DiagnosticsAsync()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>What Wolverine holds and what went wrong lately, for failure messages.</summary>
    public async Task<string> DiagnosticsAsync()
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        var incoming = await conn.QueryAsync<(string Status, string MessageType, long Count)>(
            "SELECT status, message_type, count(*) FROM wolverine.wolverine_incoming_envelopes GROUP BY 1, 2 ORDER BY 1, 2");
        var dead = await conn.QueryAsync<(string MessageType, string? ExceptionMessage)>(
            "SELECT message_type, exception_message FROM wolverine.wolverine_dead_letters ORDER BY sent_at DESC LIMIT 5");
        var problems = (Logs?.Entries ?? []).Where(e => e.Level >= LogLevel.Warning).TakeLast(15);
        return "incoming: " + string.Join("; ", incoming.Select(i => $"{i.Status} {i.MessageType} x{i.Count}"))
            + "\ndead letters: " + string.Join("; ", dead.Select(d => $"{d.MessageType}: {d.ExceptionMessage}"))
            + "\nwarnings: \n" + string.Join("\n", problems.Select(p => $"[{p.Level}] {p.Category}: {p.Message}"));
    }

    public Task<ProductOrder?> GetOrderAsync(Guid orderId) => Orders.GetAsync(orderId);

    public async Task<bool> SagaExistsAsync(Guid orderId)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM wolverine.onboarding_saga WHERE id = @orderId)", new { orderId });
    }

    public async Task<DeviceRow> DeviceAsync(Guid deviceId)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<DeviceRow>(
            "SELECT status AS Status, activation_state AS ActivationState, reserved_for AS ReservedFor, customer_id AS CustomerId FROM hub.device WHERE id = @deviceId",
            new { deviceId });
    }

    public async Task<IReadOnlyList<SubscriptionRow>> SubscriptionsForOrderAsync(Guid orderId)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<SubscriptionRow>(
            "SELECT id AS Id, status AS Status, device_id AS DeviceId, plan_id AS PlanId FROM hub.subscription WHERE order_id = @orderId", new { orderId })).ToList();
    }

    public async Task<IReadOnlyList<string>> EntitledProductsAsync(Guid deviceId)
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<string>(
            """
            SELECT c.cas_product_id FROM hub.entitlement e JOIN hub.channel c ON c.id = e.channel_id
            WHERE e.device_id = @deviceId AND e.valid_to IS NULL ORDER BY 1
            """, new { deviceId })).ToList();
    }

    public async Task<long> DeadLetterCountAsync()
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM wolverine.wolverine_dead_letters");
    }

    private PlaceProductOrder NewOrder(string correlationId) => new(
        null,
        new NewCustomer("Asha", "Verma", new DateOnly(1988, 7, 14), $"asha.{Guid.NewGuid():N}@example.in", "+91 98200 00000",
            new PostalAddress("4 Park Street", "Kolkata", "700016", "WB", "IN")),
        PlanId, "1", "INR", "online", 5, correlationId);

    private async Task SeedCatalogAsync()
    {
        await using var conn = await DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO hub.broadcaster (id, code, name) VALUES ('00000000-0000-0000-0000-0000000000b1', 'SONY', 'Sony Pictures Networks');
            INSERT INTO hub.channel (id, code, name, broadcaster_id, genre, language, definition, lcn, cas_product_id, a_la_carte_price, currency)
            VALUES (gen_random_uuid(), 'SETHD', 'Sony Entertainment HD', '00000000-0000-0000-0000-0000000000b1', 'GEC', 'hi', 'HD', 201, 'P101', 19.00, 'INR'),
                   (gen_random_uuid(), 'SONYMAX', 'Sony Max', '00000000-0000-0000-0000-0000000000b1', 'Movies', 'hi', 'SD', 202, 'P102', 12.50, 'INR');
            INSERT INTO hub.package (id, code, name, kind) VALUES ('00000000-0000-0000-0000-0000000000a1', 'SONYHAPPY', 'Sony Happy India', 'broadcaster_bouquet');
            INSERT INTO hub.package_channel (package_id, channel_id) SELECT '00000000-0000-0000-0000-0000000000a1', id FROM hub.channel;
            INSERT INTO hub.plan (id, code, name, price, currency, billing_period, status) VALUES (@plan, 'HAPPY-M', 'Happy monthly', 249.00, 'INR', 'monthly', 'active');
            INSERT INTO hub.plan_package (plan_id, package_id) VALUES (@plan, '00000000-0000-0000-0000-0000000000a1');
            INSERT INTO hub.stock_location (id, code, name, kind) VALUES ('00000000-0000-0000-0000-000000000001', 'WH1', 'Main warehouse', 'warehouse');
            """, new { plan = PlanId });
    }
}

public sealed record StockBox(Guid Id, string CasId);

public sealed record DeviceRow(string Status, string ActivationState, Guid? ReservedFor, Guid? CustomerId);

public sealed record SubscriptionRow(Guid Id, string Status, Guid? DeviceId, Guid PlanId);
