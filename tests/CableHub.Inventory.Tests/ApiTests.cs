using CableHub.Core.Api.Access;
using Microsoft.AspNetCore.Routing;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CableHub.Connectors.Edi.Simulator;
using CableHub.Inventory.Api;
using CableHub.Inventory.Edi;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Inventory.Tests;

/// <summary>The inventory, TMF639 and EDI endpoints on a real Kestrel port over HTTP, backed by the test database.</summary>
public sealed class ApiTests(InventoryDatabase db) : IClassFixture<InventoryDatabase>, IAsyncLifetime
{
    private WebApplication _app = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        var port = Network.FreePort();
        TestIdentity.Register(builder.Services, new Uri($"http://127.0.0.1:{port}"));
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var settings = new InventorySettings { WatchInbox = false, ReorderCheckMinutes = 0 };
        builder.Services.AddSingleton(db.DataSource);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        builder.Services.AddInventoryModule(settings, EdiOptions.From(db.Folders.Sub("api-data"), settings), backgroundJobs: false);
        _app = builder.Build();
        _app.UseExceptionHandler();
        TestIdentity.Use(_app);
        _app.MapInventoryEndpoints();
        EndpointAccessCheck.Verify(((IEndpointRouteBuilder)_app).DataSources);
        await _app.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var identity = TestIdentity.For(_app, _http);
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            await identity.StaffTokenAsync("asha", [StaffRoles.InventoryClerk]));
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private Task<HttpResponseMessage> PatchAsync(string id, string json) =>
        _http.PatchAsync($"{ResourceInventoryEndpoints.BasePath}/{id}", new StringContent(json, Encoding.UTF8, "application/merge-patch+json"));

    [Fact]
    public async Task TMF639_lists_with_filters_and_paging_and_patches_state_through_the_lifecycle()
    {
        var serials = await db.AddDevicesAsync("MODEM-D31", 3, db.Van.Id);
        var list = await _http.GetAsync($"{ResourceInventoryEndpoints.BasePath}?resourceSpecification.id=MODEM-D31&place.id=VAN7&resourceStatus=available&limit=2");
        list.StatusCode.ShouldBe(HttpStatusCode.OK);
        list.Headers.GetValues("X-Total-Count").Single().ShouldBe("3");
        var page = await JsonAsync(list);
        page.GetArrayLength().ShouldBe(2);
        page[0].GetProperty("serialNumber").GetString().ShouldBe(serials[0]);
        page[0].GetProperty("resourceStatus").GetString().ShouldBe("available");
        page[0].GetProperty("usageState").GetString().ShouldBe("idle");
        page[0].GetProperty("place")[0].GetProperty("name").GetString().ShouldBe("VAN7");

        var reserved = await PatchAsync(serials[0], """{"resourceStatus":"reserved","note":[{"text":"for ticket T-77"}]}""");
        reserved.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await JsonAsync(reserved)).GetProperty("resourceCharacteristic").EnumerateArray().First(c => c.GetProperty("name").GetString() == "lifecycleStatus").GetProperty("value").GetString().ShouldBe("reserved");
        var installed = await JsonAsync(await PatchAsync(serials[0], """{"usageState":"active"}"""));
        (installed.GetProperty("resourceStatus").GetString(), installed.GetProperty("usageState").GetString()).ShouldBe(("available", "active"));
        var movement = (await db.Inventory.GetMovementsAsync(Guid.Parse(installed.GetProperty("id").GetString()!)))[1];
        (movement.Actor, movement.Reason, movement.ToStatus).ShouldBe(("staff:asha", "for ticket T-77", DeviceStatus.Reserved));

        // installed → in stock is not a lifecycle step (it must come back as returned first): a state conflict, 409 as everywhere.
        var illegal = await PatchAsync(serials[0], """{"resourceStatus":"available","usageState":"idle"}""");
        illegal.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await JsonAsync(illegal);
        problem.GetProperty("errors").GetProperty("resourceStatus")[0].GetString().ShouldBe($"INV-LIFECYCLE: device {serials[0]} cannot go from installed to in_stock (allowed from installed: returned)");
        problem.GetProperty("violations")[0].GetProperty("code").GetString().ShouldBe("INV-LIFECYCLE");

        var unknown = await JsonAsync(await PatchAsync(serials[1], """{"administrativeState":"frozen"}"""));
        unknown.GetProperty("errors").GetProperty("administrativeState")[0].GetString().ShouldStartWith("'frozen' is not a administrativeState");
        // standby from in stock reads as returned (the tuple that differs only there), which in stock cannot become.
        var standby = await JsonAsync(await PatchAsync(serials[1], """{"resourceStatus":"standby"}"""));
        standby.GetProperty("errors").GetProperty("resourceStatus")[0].GetString().ShouldStartWith($"INV-LIFECYCLE: device {serials[1]} cannot go from in_stock to returned");
        var malformed = await PatchAsync(serials[1], """{"resourceStatus": """);
        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var moved = await JsonAsync(await PatchAsync(serials[1], """{"place":[{"id":"WH1"}]}"""));
        moved.GetProperty("place")[0].GetProperty("name").GetString().ShouldBe("WH1");
        (await _http.GetAsync($"{ResourceInventoryEndpoints.BasePath}/NO-SUCH-SERIAL")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Uploading_an_856_shows_the_receipt_with_its_discrepancies_and_a_second_upload_is_a_duplicate()
    {
        var created = await _http.PostAsJsonAsync("/api/inventory/purchase-orders", new { supplier = "ACME", shipTo = "WH1", lines = new[] { new { model = "STB-HD", quantity = 3 } } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var po = await JsonAsync(created);
        var poId = po.GetProperty("id").GetString();
        var sent = await JsonAsync(await _http.PostAsync($"/api/inventory/purchase-orders/{poId}/send", null));
        sent.GetProperty("purchaseOrder").GetProperty("status").GetString().ShouldBe("sent");
        var x850 = await _http.GetByteArrayAsync(sent.GetProperty("ediFile").GetString());
        var x856 = SupplierSimulator.ShipNoticeFor(x850, new SupplierShipment { ShipmentId = "SHP-API", ShortBy = new Dictionary<string, int> { ["1"] = 1 }, SerialPrefix = "API" });

        var upload = await _http.PostAsync("/api/edi/files?name=acme-856.x12", new ByteArrayContent(x856));
        upload.StatusCode.ShouldBe(HttpStatusCode.Created);
        var result = await JsonAsync(upload);
        result.GetProperty("outcome").GetString().ShouldBe("processed");
        var receipt = await JsonAsync(await _http.GetAsync(result.GetProperty("receipts")[0].GetString()));
        receipt.GetProperty("status").GetString().ShouldBe("discrepancies");
        var discrepancy = receipt.GetProperty("discrepancies").EnumerateArray().Single();
        (discrepancy.GetProperty("kind").GetString(), discrepancy.GetProperty("quantity").GetInt32()).ShouldBe(("short", 1));
        (await JsonAsync(await _http.GetAsync($"/api/inventory/purchase-orders/{poId}"))).GetProperty("status").GetString().ShouldBe("partially_received");
        var ack = await _http.GetStringAsync(result.GetProperty("acknowledgement").GetString());
        ack.ShouldContain("AK5*A~");

        var again = await _http.PostAsync("/api/edi/files?name=again.x12", new ByteArrayContent(x856));
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await JsonAsync(again)).GetProperty("outcome").GetString().ShouldBe("duplicate");

        var junk = await _http.PostAsync("/api/edi/files?name=junk.edi", new ByteArrayContent("ISA*00*short~"u8.ToArray()));
        junk.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await JsonAsync(junk)).GetProperty("detail").GetString()!.ShouldContain("segment 1 (ISA at byte 0)");
        var files = await JsonAsync(await _http.GetAsync("/api/edi/files?status=quarantined"));
        files.EnumerateArray().ShouldContain(f => f.GetProperty("originalName").GetString() == "junk.edi");
    }

    [Fact]
    public async Task Bad_bodies_get_problem_documents_naming_the_field_and_CSV_errors_their_line()
    {
        var noQuantity = await JsonAsync(await _http.PostAsJsonAsync("/api/inventory/purchase-orders", new { supplier = "ACME", shipTo = "WH1", lines = new[] { new { model = "STB-HD", quantity = 0 } } }));
        noQuantity.GetProperty("errors").GetProperty("lines[0].quantity")[0].GetString().ShouldBe("must be a positive whole number");
        var badSupplier = await JsonAsync(await _http.PostAsJsonAsync("/api/inventory/purchase-orders", new { supplier = "NOBODY", shipTo = "WH1", lines = new[] { new { model = "STB-HD", quantity = 1 } } }));
        badSupplier.GetProperty("errors").GetProperty("supplier")[0].GetString().ShouldBe("supplier 'NOBODY' does not exist");

        var csv = "serial_number,model_code,status,location\nAPI-CSV-1,STB-HD,in_stock,WH1\nAPI-CSV-2,STB-HD,broken,WH1\n";
        var import = await _http.PostAsync("/api/inventory/imports/devices", new StringContent(csv, Encoding.UTF8, "text/csv"));
        import.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await JsonAsync(import);
        problem.GetProperty("title").GetString().ShouldBe("The device list was not imported; nothing was changed");
        problem.GetProperty("errors").GetProperty("line 3")[0].GetString()!.ShouldStartWith("status: 'broken' is not a device status");
        (await db.Inventory.GetItemBySerialAsync("API-CSV-1")).ShouldBeNull();

        var levels = await _http.GetStringAsync("/api/inventory/exports/stock-levels.csv");
        levels.ShouldStartWith("location,model_code,in_stock,reserved,in_transit,returned,refurbishing,rma");
    }
}
