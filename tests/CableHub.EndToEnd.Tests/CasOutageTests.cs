using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CableHub.EndToEnd.Tests;

/// <summary>
/// The simulated CAS head-end goes down for two minutes (wall-clock, the hub's own time; the operator verb
/// <c>cas-sim down --for 120</c>) while new subscriptions and suspensions are ordered: the orders wait (in progress,
/// nothing failed), the CAS adapter's circuit opens and <c>/health</c> shows it (<c>connector:cas</c> degraded, circuit
/// open), then the head-end comes back, every order completes with the hub's production retry schedule, no saga is left
/// and the circuit is closed again in <c>/health</c>. About 4–5 minutes: the end-to-end lane.
/// </summary>
public sealed class CasOutageTests : IAsyncLifetime
{
    private const int NewOrders = 6;
    private const int Suspensions = 3;
    private HubProcess _hub = null!;

    // A small breaker so a handful of orders opens it; break duration 10 s (≥ 5 s, the team's floor for timing margins).
    public async ValueTask InitializeAsync() => _hub = await HubProcess.StartAsync(
        "--Cas:Resilience:MinimumThroughput=4", "--Cas:Resilience:SamplingDuration=00:01:00", "--Cas:Resilience:BreakDuration=00:00:10",
        "--Lifecycle:ReconcileMinutes=0");

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Two_minute_CAS_outage_orders_wait_then_complete_and_the_circuit_opens_and_closes_in_health()
    {
        // Subscribers to suspend later: onboarded while the CAS is up.
        var live = new List<string>();
        for (var i = 0; i < Suspensions; i++)
        {
            live.Add(await PlaceAsync(Orders.NewCustomerOrder("BASIC-Q")));
        }

        var subscriptions = new List<Guid>();
        foreach (var id in live)
        {
            (await Orders.WaitForFinalStateAsync(_hub, id, TimeSpan.FromSeconds(120))).GetProperty("state").GetString().ShouldBe("completed", _hub.Tail());
            subscriptions.Add((await _hub.ScalarAsync<Guid>("SELECT id FROM hub.subscription WHERE order_id = @id", ("id", Guid.Parse(id))))!);
        }

        var before = await CasHealthAsync();
        before.GetProperty("circuit").GetString().ShouldBe("closed");
        before.GetProperty("status").GetString().ShouldBe("ok");
        var openedBefore = before.GetProperty("circuitOpenedCount").GetInt64();
        var reservedBefore = await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.device WHERE status = 'reserved'");

        // The head-end goes down for two minutes.
        var outage = Stopwatch.StartNew();
        (await _hub.VerbAsync("cas-sim", "down", "--for", "120", "--reason", "outage test")).ShouldContain("down");

        var waiting = new List<string>();
        for (var i = 0; i < NewOrders; i++)
        {
            waiting.Add(await PlaceAsync(Orders.NewCustomerOrder("BASIC-Q")));
        }

        foreach (var subscription in subscriptions)
        {
            waiting.Add(await PlaceAsync(SuspensionOrder(subscription)));
        }

        // The circuit opens and /health says so.
        var open = await WaitForHealthAsync(h => h.GetProperty("circuit").GetString() == "open", TimeSpan.FromSeconds(90), "circuit open");
        open.GetProperty("status").GetString().ShouldBe("degraded");
        open.GetProperty("circuitOpenedCount").GetInt64().ShouldBeGreaterThan(openedBefore);
        outage.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(120), "the circuit must open while the CAS is still down");

        // Orders wait: none failed, none completed while the head-end is down.
        while (outage.Elapsed < TimeSpan.FromSeconds(100))
        {
            foreach (var id in waiting)
            {
                var state = await OrderStateAsync(id);
                state.ShouldBeOneOf(["acknowledged", "inProgress", "pending"], $"order {id} during the outage\n{_hub.Tail()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(5));
        }

        // After the outage: every order completes (production retry schedule: the next retry comes at most a minute later).
        foreach (var id in waiting)
        {
            var order = await Orders.WaitForFinalStateAsync(_hub, id, TimeSpan.FromMinutes(4));
            order.GetProperty("state").GetString().ShouldBe("completed", $"order {id}\n{_hub.Tail()}");
        }

        outage.Elapsed.ShouldBeGreaterThan(TimeSpan.FromSeconds(120), "orders completed while the CAS was down");
        foreach (var subscription in subscriptions)
        {
            (await _hub.ScalarAsync<string>("SELECT status FROM hub.subscription WHERE id = @id", ("id", subscription))).ShouldBe("suspended");
        }

        // The circuit closed again; no saga is left; nothing dead-lettered.
        var closed = await WaitForHealthAsync(h => h.GetProperty("circuit").GetString() == "closed", TimeSpan.FromSeconds(60), "circuit closed");
        closed.GetProperty("status").GetString().ShouldBe("ok");
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM wolverine.onboarding_saga")).ShouldBe(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM wolverine.lifecycle_saga")).ShouldBe(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM wolverine.wolverine_dead_letters")).ShouldBe(0);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.device WHERE status = 'reserved'")).ShouldBe(reservedBefore, "no box left reserved");
    }

    private static string SuspensionOrder(Guid subscription) => JsonSerializer.Serialize(new
    {
        externalId = "e2e-suspend-" + Guid.NewGuid().ToString("N")[..8],
        productOrderItem = new[] { new { id = "1", action = "modify", product = new { id = subscription.ToString(), status = "suspended", suspensionReason = "vacation" } } },
    });

    private async Task<string> PlaceAsync(string json)
    {
        using var response = await Orders.PostAsync(_hub, json);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<string> OrderStateAsync(string id) =>
        (await _hub.Http.GetFromJsonAsync<JsonElement>(new Uri(_hub.Api, $"{Orders.Path}/{id}"))).GetProperty("state").GetString()!;

    private async Task<JsonElement> CasHealthAsync()
    {
        using var response = await _hub.Http.GetAsync(new Uri(_hub.Api, "/health"));
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        return health.GetProperty("dependencies").GetProperty("connector:cas").Clone();
    }

    private async Task<JsonElement> WaitForHealthAsync(Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement cas;
        while (!condition(cas = await CasHealthAsync()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"/health never showed {what}; connector:cas = {cas}\n{_hub.Tail()}");
            }

            await Task.Delay(250);
        }

        return cas;
    }
}
