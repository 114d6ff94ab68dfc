using System.Net;
using System.Text.Json;
using CableHub.Modules.Testing;
using CableHub.Testing;
using Dapper;

namespace CableHub.Catalog.Tests;

/// <summary>
/// ONE mapping of errors for the whole API: the catalog and the inventory (and every module) answer the same status and
/// problem shape for the same kind of error — 400 malformed, 404 unknown, 409 state conflict, 422 rule violated.
/// </summary>
public sealed class OneProblemMappingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Offerings = "/tmf-api/productCatalogManagement/v4/productOffering";
    private const string Resources = "/tmf-api/resourceInventoryManagement/v4/resource";

    [Fact]
    public async Task Catalog_and_inventory_answer_the_same_status_for_the_same_kind_of_error()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        await using (var conn = await api.Db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO hub.supplier (id, code, name, x12_id, currency) VALUES (gen_random_uuid(), 'ACME', 'Acme', 'ACME', 'INR');
                INSERT INTO hub.supplier (id, code, name, x12_id, currency) VALUES ('00000000-0000-0000-0000-0000000000aa', 'OTHER', 'Other', 'OTHER', 'INR');
                INSERT INTO hub.equipment_model (code, kind, name, supplier_id) VALUES ('RMT-OTHER', 'remote', 'Remote Acme does not sell', '00000000-0000-0000-0000-0000000000aa');
                INSERT INTO hub.device (id, serial_number, kind, model_code, status) VALUES (gen_random_uuid(), 'SN-INSTALLED', 'stb', 'DSB-1000', 'installed');
                """);
        }

        // 400: the body is not JSON — both name the JSON path.
        var catalog400 = await api.SendAsync(HttpMethod.Post, Offerings, "{\"code\": ");
        var inventory400 = await api.SendAsync(HttpMethod.Put, "/api/inventory/models/X", "{\"kind\": ");
        Same(catalog400, inventory400, HttpStatusCode.BadRequest, "https://cablehub.dev/problems/malformed-json");

        // 404: something named does not exist.
        Same(await api.SendAsync(HttpMethod.Get, $"{Offerings}/NOPE"), await api.SendAsync(HttpMethod.Get, "/api/inventory/models/NOPE"),
            HttpStatusCode.NotFound, "https://cablehub.dev/problems/not-found");

        // 409: the current state does not allow the change (a notice that is not pending; an installed box put back in stock).
        var catalog409 = await api.SendAsync(HttpMethod.Post, $"/api/v1/catalog/price-change-notices/{Guid.NewGuid()}/sent");
        var inventory409 = await api.SendAsync(HttpMethod.Patch, $"{Resources}/SN-INSTALLED", new { resourceStatus = "available", usageState = "idle" });
        Same(catalog409, inventory409, HttpStatusCode.Conflict, "https://cablehub.dev/problems/conflict");

        // 422: well-formed, but a business rule says no (a bouquet below the floor; a model the supplier does not sell).
        var catalog422 = await api.SendAsync(HttpMethod.Post, Offerings, new Dictionary<string, object?>
        {
            ["@type"] = "BouquetOffering", ["code"] = "CHEAP", ["name"] = "Cheap", ["bouquetKind"] = "distributor_bouquet",
            ["bundledProductOffering"] = new[] { new { code = "STARPLUS" }, new { code = "SONYSET" } },
            ["productOfferingPrice"] = new[] { new { price = new { unit = "INR", value = 1m } } },
        });
        var inventory422 = await api.SendAsync(HttpMethod.Post, "/api/inventory/purchase-orders",
            new { supplier = "ACME", shipTo = "WH1", lines = new[] { new { model = "RMT-OTHER", quantity = 1 } } });
        catalog422.Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        inventory422.Status.ShouldBe(HttpStatusCode.UnprocessableEntity, inventory422.Body.ToString());
        foreach (var (_, body) in new[] { catalog422, inventory422 })
        {
            body.GetProperty("violations")[0].GetProperty("code").GetString().ShouldNotBeNullOrEmpty();
            body.GetProperty("errors").EnumerateObject().ShouldNotBeEmpty();
        }
    }

    private static void Same((HttpStatusCode Status, JsonElement Body) catalog, (HttpStatusCode Status, JsonElement Body) inventory, HttpStatusCode status, string type)
    {
        catalog.Status.ShouldBe(status, catalog.Body.ToString());
        inventory.Status.ShouldBe(status, inventory.Body.ToString());
        catalog.Body.GetProperty("type").GetString().ShouldBe(type);
        inventory.Body.GetProperty("type").GetString().ShouldBe(type);
        catalog.Body.GetProperty("status").GetInt32().ShouldBe((int)status);
        inventory.Body.GetProperty("status").GetInt32().ShouldBe((int)status);
    }
}
