using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CableHub.EndToEnd.Tests;

/// <summary>
/// Every TMF <c>href</c> the API hands out resolves: the end-to-end order path (catalog → order → completion → customer,
/// billing account, order list, product offerings …) walked link by link on the running hub, each answering 200; and the
/// published contract (<c>/openapi/v1.json</c>, the same document <c>./cablehub openapi</c> writes) and <c>/docs</c> answer.
/// </summary>
[Collection(SharedHub.Name)]
public sealed class HrefWalkTests(HubFixture fixture)
{
    private readonly HubProcess _hub = fixture.Hub;

    [Fact]
    public async Task Every_href_of_the_order_path_resolves()
    {
        using var response = await Orders.PostAsync(_hub, Orders.NewCustomerOrder("FAMILY-M"));
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var orderId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var order = await Orders.WaitForFinalStateAsync(_hub, orderId, TimeSpan.FromSeconds(90));
        order.GetProperty("state").GetString().ShouldBe("completed", order.ToString());

        // Start where a client starts: the catalog, the order it placed (and where the answer said it lives), the order list.
        var pending = new Queue<(string Href, string From)>();
        pending.Enqueue(("/tmf-api/productCatalogManagement/v4/productOffering?@type=ProductOffering", "start"));
        pending.Enqueue((response.Headers.Location!.OriginalString, "Location of the created order"));
        pending.Enqueue(($"{Orders.Path}?state=completed&limit=5", "start"));
        pending.Enqueue(($"/tmf-api/customerManagement/v4/customer?limit=3", "start"));
        pending.Enqueue(($"/tmf-api/accountManagement/v4/billingAccount?limit=3", "start"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        var failures = new List<string>();
        while (pending.TryDequeue(out var next) && seen.Count < 400)
        {
            if (!seen.Add(next.Href))
            {
                continue;
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_hub.Api, next.Href));
            // the hub's Http carries the demo back-office client's access token (client credentials, every scope)
            using var answer = await _hub.Http.SendAsync(request);
            var text = await answer.Content.ReadAsStringAsync();
            if (answer.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{next.Href} (from {next.From}) answered {(int)answer.StatusCode}: {text[..Math.Min(200, text.Length)]}");
                continue;
            }

            kinds.Add(next.Href.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries) switch { ["tmf-api", _, _, var resource, ..] => resource, var other => string.Join('/', other) });
            foreach (var href in Hrefs(JsonDocument.Parse(text).RootElement))
            {
                pending.Enqueue((href, next.Href));
            }
        }

        failures.ShouldBeEmpty();
        kinds.ShouldBe(["productOffering", "productOrder", "customer", "billingAccount"], ignoreOrder: true);
        seen.ShouldContain(order.GetProperty("relatedParty")[0].GetProperty("href").GetString()!);
        seen.ShouldContain(order.GetProperty("billingAccount").GetProperty("href").GetString()!);
        seen.ShouldContain(order.GetProperty("productOrderItem")[0].GetProperty("productOffering").GetProperty("href").GetString()!);
        TestContext.Current.SendDiagnosticMessage($"href walk: {seen.Count} links, all 200");
    }

    [Fact]
    public async Task The_openapi_document_and_the_reference_page_answer_and_match_the_openapi_verb()
    {
        using var served = await _hub.Http.GetAsync(new Uri(_hub.Api, "/openapi/v1.json"));
        served.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = JsonDocument.Parse(await served.Content.ReadAsStringAsync()).RootElement;
        document.GetProperty("openapi").GetString()!.ShouldStartWith("3.");

        using var docs = await _hub.Http.GetAsync(new Uri(_hub.Api, "/docs"));
        docs.StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = await docs.Content.ReadAsStringAsync();
        page.ShouldContain("<title>CableHub API</title>");
        // The reference page's script is served by the hub itself (bundled in Scalar.AspNetCore: no CDN, works offline).
        var script = System.Text.RegularExpressions.Regex.Match(page, "src=\"([^\"]*scalar[^\"]*\\.js)\"");
        script.Success.ShouldBeTrue(page);
        using var asset = await _hub.Http.GetAsync(new Uri(new Uri(_hub.Api, "/docs/"), script.Groups[1].Value));
        asset.StatusCode.ShouldBe(HttpStatusCode.OK, script.Groups[1].Value);

        // The verb writes the same document without any server.
        var file = Path.Combine(Path.GetTempPath(), $"cablehub-openapi-{Guid.NewGuid():N}.json");
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { HubProcess.HostDll(), "openapi", "--out", file })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token);
            process.ExitCode.ShouldBe(0, await error);
            var written = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement;
            Operations(written).ShouldBe(Operations(document));
            written.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(s => s.Name)
                .ShouldBe(document.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(s => s.Name), ignoreOrder: true);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static List<string> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(m => m.Value.ValueKind == JsonValueKind.Object && m.Value.TryGetProperty("operationId", out _))
                .Select(m => $"{m.Name} {p.Name} {m.Value.GetProperty("operationId").GetString()}"))
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>Every <c>href</c> string in a JSON document, at any depth.</summary>
    private static IEnumerable<string> Hrefs(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "href" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return property.Value.GetString()!;
                    }
                    else
                    {
                        foreach (var href in Hrefs(property.Value))
                        {
                            yield return href;
                        }
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var href in Hrefs(item))
                    {
                        yield return href;
                    }
                }

                break;
        }
    }
}
