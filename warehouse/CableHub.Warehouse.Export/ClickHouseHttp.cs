using System.Net.Http.Headers;
using System.Text;
using ClickHouse.Driver.ADO;

namespace CableHub.Warehouse.Export;

/// <summary>
/// One query over ClickHouse's HTTP interface with the response body streamed (<see cref="HttpCompletionOption.ResponseHeadersRead"/>),
/// addressed by a ClickHouse.Driver connection string (host, port, protocol, user, password, database). Errors come back
/// as <see cref="ClickHouseHttpException"/> with ClickHouse's message.
/// </summary>
internal static class ClickHouseHttp
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public static async Task<HttpResponseMessage> PostAsync(string connectionString, string sql, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var builder = new ClickHouseConnectionStringBuilder(connectionString);
        var query = new StringBuilder("?database=").Append(Uri.EscapeDataString(string.IsNullOrEmpty(builder.Database) ? "default" : builder.Database));
        foreach (var (name, value) in settings)
        {
            query.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        var uri = new UriBuilder(string.IsNullOrEmpty(builder.Protocol) ? "http" : builder.Protocol, builder.Host, builder.Port, builder.Path ?? "/") { Query = query.ToString()[1..] }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(sql, Encoding.UTF8) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{(string.IsNullOrEmpty(builder.Username) ? "default" : builder.Username)}:{builder.Password}")));
        var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var message = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            response.Dispose();
            throw new ClickHouseHttpException((int)response.StatusCode, message.Trim());
        }

        return response;
    }
}

/// <summary>ClickHouse refused the export query (its message and HTTP status).</summary>
public sealed class ClickHouseHttpException(int status, string message) : Exception($"ClickHouse answered {status}: {message}")
{
    public int Status { get; } = status;
}
