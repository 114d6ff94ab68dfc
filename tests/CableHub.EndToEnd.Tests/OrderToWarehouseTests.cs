using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CableHub.EndToEnd.Tests;

/// <summary>The walking skeleton: TMF622 order → onboarding saga → CAS → PostgreSQL → CDC → Kafka → ClickHouse mart.</summary>
[Collection(SharedHub.Name)]
public sealed class OrderToWarehouseTests(HubFixture fixture)
{
    private readonly HubProcess _hub = fixture.Hub;

    [Fact]
    public async Task Order_completes_with_one_activation_and_the_new_subscriber_shows_in_the_warehouse()
    {
        var before = Convert.ToInt64(await _hub.WarehouseScalarAsync(
            "SELECT sum(active_subscribers) FROM marts.active_subscribers_per_plan WHERE plan_code = {plan:String}", ("plan", "FAMILY-M")) ?? 0L);

        var clock = Stopwatch.StartNew();
        using var response = await Orders.PostAsync(_hub, Orders.NewCustomerOrder("FAMILY-M"));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        response.Headers.Location.ShouldNotBeNull();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        created.GetProperty("state").GetString().ShouldBe("acknowledged");
        var orderId = created.GetProperty("id").GetString()!;
        var customerId = created.GetProperty("relatedParty")[0].GetProperty("id").GetString()!;

        var order = await Orders.WaitForFinalStateAsync(_hub, orderId, TimeSpan.FromSeconds(60));
        order.GetProperty("state").GetString().ShouldBe("completed", order.ToString());
        order.GetProperty("stateChange").EnumerateArray().Select(s => s.GetProperty("state").GetString())
            .ShouldBe(["acknowledged", "inProgress", "completed"]);

        // The CAS (simulator, an outside system with its own state) applied exactly one activation for the box.
        var casId = await _hub.ScalarAsync<string>(
            "SELECT d.cas_id FROM hub.subscription s JOIN hub.device d ON d.id = s.device_id WHERE s.order_id = @id", ("id", Guid.Parse(orderId)));
        casId.ShouldNotBeNull();
        (await _hub.ScalarAsync<long>(
            "SELECT count(*) FROM cas_sim.command_log WHERE cas_device_id = @cas AND kind = 'activate' AND outcome = 'applied'", ("cas", casId))).ShouldBe(1);

        // The warehouse sees the active subscription of the new customer and the mart counts it.
        var deadline = TimeSpan.FromSeconds(60);
        while (clock.Elapsed < deadline)
        {
            var inWarehouse = Convert.ToInt64(await _hub.WarehouseScalarAsync(
                "SELECT count() FROM marts.fact_subscription WHERE customer_id = {customer:UUID} AND status = 'active'", ("customer", Guid.Parse(customerId))));
            if (inWarehouse == 1)
            {
                break;
            }

            await Task.Delay(250);
        }

        var elapsed = clock.Elapsed;
        Convert.ToInt64(await _hub.WarehouseScalarAsync(
            "SELECT count() FROM marts.fact_subscription WHERE customer_id = {customer:UUID} AND status = 'active'", ("customer", Guid.Parse(customerId)))).ShouldBe(1L, _hub.Tail());
        Convert.ToInt64(await _hub.WarehouseScalarAsync(
            "SELECT sum(active_subscribers) FROM marts.active_subscribers_per_plan WHERE plan_code = {plan:String}", ("plan", "FAMILY-M"))).ShouldBe(before + 1);
        (await _hub.WarehouseScalarAsync("SELECT state FROM marts.fact_product_order WHERE order_id = {id:UUID}", ("id", Guid.Parse(orderId))))
            .ShouldBe("completed");
        TestContext.Current.SendDiagnosticMessage($"order to warehouse: {elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task The_same_external_id_places_one_order()
    {
        var body = Orders.NewCustomerOrder("BASIC-M", "e2e-dup-" + Guid.NewGuid().ToString("N")[..8]);
        using var first = await Orders.PostAsync(_hub, body);
        using var second = await Orders.PostAsync(_hub, body);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()
            .ShouldBe((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task Clickhouse_http_interface_answers_like_a_server()
    {
        var port = new Uri($"http://{new ClickHouse.Driver.ADO.ClickHouseConnectionStringBuilder(_hub.ClickHouseConnectionString).Host}:" +
            $"{new ClickHouse.Driver.ADO.ClickHouseConnectionStringBuilder(_hub.ClickHouseConnectionString).Port}");
        (await _hub.Http.GetStringAsync(new Uri(port, "/?query=SELECT%201"))).ShouldBe("1\n");
    }
}

/// <summary><c>/health</c> shows the replication slot's lag (bytes, seconds) and the ingester's live lag.</summary>
[Collection(SharedHub.Name)]
public sealed class PipelineHealthTests(HubFixture fixture)
{
    [Fact]
    public async Task Health_shows_the_slot_lag_and_the_consumer_lag()
    {
        var hub = fixture.Hub;
        JsonElement cdc = default, ingest = default;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var health = await hub.Http.GetFromJsonAsync<JsonElement>(new Uri(hub.Api, "/health"));
            cdc = health.GetProperty("dependencies").GetProperty("cdc");
            ingest = health.GetProperty("dependencies").GetProperty("ingest");
            if (cdc.TryGetProperty("slotLagBytes", out var bytes) && bytes.GetInt64() >= 0 && ingest.GetProperty("lagSeconds").GetDouble() >= 0)
            {
                break;
            }

            await Task.Delay(200);
        }

        cdc.GetProperty("slotLagBytes").GetInt64().ShouldBeGreaterThanOrEqualTo(0, cdc.ToString());
        cdc.GetProperty("slotLagSeconds").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
        cdc.GetProperty("walLsn").GetString()!.ShouldContain("/");
        ingest.GetProperty("lag").GetInt64().ShouldBeGreaterThanOrEqualTo(0, ingest.ToString());
        ingest.GetProperty("lagSeconds").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
    }
}
