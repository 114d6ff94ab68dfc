using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CableHub.Core.Store.Embedded;

namespace CableHub.EndToEnd.Tests;

/// <summary>
/// SIGKILL the hub while the CAS has applied an activation but its answer has not arrived yet, start it again:
/// the order completes, and the CAS applied exactly one activation for the box (the redelivered command carries
/// the same idempotency key and is recognised as a duplicate). The warehouse ends up with the completed order once.
/// The restarted hub adopted the PostgreSQL the killed one left running and stops it when it is stopped (SIGTERM).
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private HubProcess _hub = null!;

    public async ValueTask InitializeAsync() => _hub = await HubProcess.StartAsync("--Cas:SimulatorResponseDelayMs=8000");

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Killed_during_activation_the_order_completes_after_restart_with_one_activation()
    {
        using var response = await Orders.PostAsync(_hub, Orders.NewCustomerOrder("PREMIUM-M"));
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var orderId = Guid.Parse((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);

        // Wait until the CAS has applied the activation (the answer is held back 8 s), then kill the hub.
        string? casId = null;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            casId = await _hub.ScalarAsync<string>("SELECT cas_id FROM hub.device WHERE reserved_for = @id", ("id", orderId));
            if (casId is not null && await _hub.ScalarAsync<long>(
                    "SELECT count(*) FROM cas_sim.command_log WHERE cas_device_id = @cas AND kind = 'activate' AND outcome = 'applied'", ("cas", casId)) == 1)
            {
                break;
            }

            await Task.Delay(100);
        }

        casId.ShouldNotBeNull(_hub.Tail());
        (await _hub.ScalarAsync<string>("SELECT state FROM hub.product_order WHERE id = @id", ("id", orderId))).ShouldBe("inProgress");
        _hub.Kill();

        await _hub.RestartAsync();

        var order = await Orders.WaitForFinalStateAsync(_hub, orderId.ToString(), TimeSpan.FromSeconds(120));
        order.GetProperty("state").GetString().ShouldBe("completed", _hub.Tail());
        (await _hub.ScalarAsync<long>(
            "SELECT count(*) FROM cas_sim.command_log WHERE cas_device_id = @cas AND kind = 'activate' AND outcome = 'applied'", ("cas", casId))).ShouldBe(1);
        (await _hub.ScalarAsync<long>("SELECT count(*) FROM hub.subscription WHERE order_id = @id", ("id", orderId))).ShouldBe(1);
        (await _hub.ScalarAsync<long>(
            "SELECT count(*) FROM hub.product_order_state_change WHERE order_id = @id AND state = 'completed'", ("id", orderId))).ShouldBe(1);

        // Exactly once in effect downstream too: one completed order row in the warehouse.
        deadline = DateTime.UtcNow.AddSeconds(60);
        object? state = null;
        while (DateTime.UtcNow < deadline && (state = await _hub.WarehouseScalarAsync(
                   "SELECT state FROM hub.product_order WHERE id = {id:UUID}", ("id", orderId))) as string != "completed")
        {
            await Task.Delay(250);
        }

        state.ShouldBe("completed");
        Convert.ToInt64(await _hub.WarehouseScalarAsync("SELECT count() FROM hub.product_order WHERE id = {id:UUID}", ("id", orderId))).ShouldBe(1L);

        // The restarted hub adopted the PostgreSQL the killed one left running: it owns it and stops it on SIGTERM.
        EmbeddedPostgres.IsRunning(_hub.PostgresRootDirectory).ShouldBeTrue();
        (await _hub.StopAsync()).ShouldBeTrue(_hub.Tail());
        EmbeddedPostgres.IsRunning(_hub.PostgresRootDirectory).ShouldBeFalse(_hub.Tail());
    }
}
