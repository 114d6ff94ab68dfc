using CableHub.Core.Api.Access;
using System.Net;
using System.Text.Json;
using CableHub.Connectors.Xmltv;
using CableHub.Modules.Testing;
using CableHub.Testing;

namespace CableHub.Epg.Tests;

/// <summary>The EPG's HTTP API over a real server: channel maps, imports (and a failed one as a problem document), guide, entitled export.</summary>
public sealed class ApiTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Offerings = "/tmf-api/productCatalogManagement/v4/productOffering";

    [Fact]
    public async Task Epg_import_guide_and_entitled_export_work_over_http()
    {
        await using var api = await ApiHost.StartAsync(postgres);
        await api.Db.AddUkChannelsAsync();
        var map = EpgTestSupport.UkChannels.Select(c => new { sourceChannelId = c.SourceId, channelCode = c.Code }).ToList();
        map.Add(new { sourceChannelId = "UK_RT_134", channelCode = "ZEETV" }); // duplicate source id
        (await api.SendAsync(HttpMethod.Put, "/api/v1/epg/sources/default/channel-map", map)).Body.GetProperty("errors").EnumerateObject().Single().Name.ShouldBe("sourceChannelId");
        map.RemoveAt(map.Count - 1);
        map[4] = new { sourceChannelId = "UK_RT_134", channelCode = "ZEETV" }; // Channel 5's listings onto an entitled channel
        (await api.SendAsync(HttpMethod.Put, "/api/v1/epg/sources/default/channel-map", map)).Status.ShouldBe(HttpStatusCode.OK);

        using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/v1/epg/imports?fileName=UK_Data.xml") { Content = new ByteArrayContent(await File.ReadAllBytesAsync(EpgTestSupport.Fixture("UK_Data.xml"))) };
        TestIdentity.Authorize(upload, await api.Identity.StaffTokenAsync(StaffRoles.CatalogManager));
        using var imported = await api.Client.SendAsync(upload);
        imported.StatusCode.ShouldBe(HttpStatusCode.Created);
        var import = JsonDocument.Parse(await imported.Content.ReadAsStringAsync()).RootElement;
        import.GetProperty("inserted").GetInt64().ShouldBe(1915);

        var (_, nowNext) = await api.SendAsync(HttpMethod.Get, "/api/v1/epg/now-next?channels=BBC1HD&at=2015-11-26T09:30:00Z", role: null);
        nowNext[0].GetProperty("now").GetProperty("title").GetString().ShouldBe("Fake Britain");
        (await api.SendAsync(HttpMethod.Get, "/api/v1/epg/now-next?at=yesterday", role: null)).Body.GetProperty("errors").TryGetProperty("at", out _).ShouldBeTrue();
        var (_, schedule) = await api.SendAsync(HttpMethod.Get, "/api/v1/epg/channels/BBC1HD/programmes?from=2015-11-26T06:00:00Z&to=2015-11-26T10:00:00Z", role: null);
        schedule[0].GetProperty("title").GetString().ShouldBe("Breakfast");

        (await api.SendAsync(HttpMethod.Get, $"/api/v1/epg/customers/{api.Db.ActiveCustomers[0]}/xmltv", role: null)).Status.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.SendWithTokenAsync(HttpMethod.Get, $"/api/v1/epg/customers/{api.Db.ActiveCustomers[0]}/xmltv", await api.Identity.SubscriberTokenAsync(api.Db.ActiveCustomers[1]))).Status.ShouldBe(HttpStatusCode.NotFound);
        using var exportRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/epg/customers/{api.Db.ActiveCustomers[0]}/xmltv");
        TestIdentity.Authorize(exportRequest, await api.Identity.SubscriberTokenAsync(api.Db.ActiveCustomers[0]));
        using var export = await api.Client.SendAsync(exportRequest);
        export.Content.Headers.ContentType!.MediaType.ShouldBe("application/xml");
        var items = XmltvReader.ReadAll(await export.Content.ReadAsStreamAsync()).ToList();
        items.OfType<XmltvChannel>().Select(c => c.Id).ShouldBe(["DDNATIONAL", "STARPLUS", "STARGOLD", "SONYSET", "SONYMAX", "ZEETV"]);
        var programmes = items.OfType<XmltvProgramme>().ToList();
        programmes.Count.ShouldBe(XmltvReader.ReadFile(EpgTestSupport.Fixture("UK_Data.xml")).OfType<XmltvProgramme>().Count(p => p.Channel == "UK_RT_134" && p.Stop > p.Start));
        programmes.ShouldAllBe(p => p.Channel == "ZEETV");

        var broken = new ByteArrayContent("<tv>\n<programme start=\"20151126060000 +0000\" channel=\"UK_RT_105\"><title>x</title>\n</tv>\n"u8.ToArray());
        using var failing = new HttpRequestMessage(HttpMethod.Post, "/api/v1/epg/imports") { Content = broken };
        TestIdentity.Authorize(failing, await api.Identity.StaffTokenAsync(StaffRoles.CatalogManager));
        using var failed = await api.Client.SendAsync(failing);
        failed.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var failure = JsonDocument.Parse(await failed.Content.ReadAsStringAsync()).RootElement;
        failure.GetProperty("line").GetInt32().ShouldBe(3);
        failure.GetProperty("errors").GetProperty("body")[0].GetString()!.ShouldStartWith("line 3: ");
        (await api.SendAsync(HttpMethod.Get, $"/api/v1/epg/imports/{failure.GetProperty("importId").GetString()}", role: StaffRoles.CatalogManager)).Body.GetProperty("status").GetString().ShouldBe("failed");
    }
}
