using System.Net;
using System.Text;
using CableHub.Testing;

namespace CableHub.Warehouse.Tests;

[Collection(ClickHouseCollection.Name)]
public sealed class RawHttpTests(ClickHouseFixture clickHouse)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_with_query_returns_tab_separated_text()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(new Uri(clickHouse.HttpAddress, "?query=SELECT%201"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("1\n");
        response.Headers.GetValues("X-ClickHouse-Format").Single().ShouldBe("TabSeparated");
    }
}
