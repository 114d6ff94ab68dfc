using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CableHub.Testing;
using ClickHouse.Driver.Compression;

namespace CableHub.Warehouse.Tests;

/// <summary>ClickHouse's HTTP interface as curl users see it.</summary>
[Collection(ClickHouseCollection.Name)]
public sealed class RawHttpTests(ClickHouseFixture clickHouse) : IDisposable
{
    private readonly HttpClient _http = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Get_with_query_returns_tab_separated_text()
    {
        var response = await _http.GetAsync(Url("?query=SELECT%201"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("1\n");
        response.Headers.GetValues("X-ClickHouse-Format").Single().ShouldBe("TabSeparated");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/tab-separated-values");
        response.Headers.GetValues("X-ClickHouse-Query-Id").Single().ShouldNotBeNullOrWhiteSpace();
        response.Headers.GetValues("X-ClickHouse-Summary").Single().ShouldContain("\"result_rows\":\"1\"");
        response.Headers.GetValues("X-ClickHouse-Timezone").Single().ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("ping")]
    [InlineData("")]
    [InlineData("replicas_status")]
    public async Task Health_checks_answer_Ok(string path)
    {
        var response = await _http.GetAsync(Url(path), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("Ok.\n");
    }

    [Fact]
    public async Task Unknown_path_is_404()
    {
        var response = await _http.GetAsync(Url("nope"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Post_body_is_the_query_and_url_parameters_bind_placeholders()
    {
        var response = await _http.PostAsync(Url("?param_x=41&query_id=my-query&default_format=JSONEachRow"), Text("SELECT {x:UInt8} + 1 AS answer"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("{\"answer\":42}\n");
        response.Headers.GetValues("X-ClickHouse-Query-Id").Single().ShouldBe("my-query");
        response.Headers.GetValues("X-ClickHouse-Format").Single().ShouldBe("JSONEachRow");
    }

    [Fact]
    public async Task Curl_style_form_content_type_still_means_the_body_is_the_query()
    {
        // curl -d sends application/x-www-form-urlencoded; ClickHouse reads the body as the query anyway.
        var response = await _http.PostAsync(Url(""), new StringContent("SELECT 6 * 7", Encoding.UTF8, "application/x-www-form-urlencoded"), Ct);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("42\n");
    }

    [Fact]
    public async Task Head_answers_like_get_without_a_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, Url("?query=SELECT%201"));
        using var response = await _http.SendAsync(request, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.Contains("X-ClickHouse-Query-Id").ShouldBeTrue();
        (await response.Content.ReadAsByteArrayAsync(Ct)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Query_format_clause_wins_over_default_format()
    {
        var response = await _http.PostAsync(Url(""), Text("SELECT 1 AS a, 'x' AS b FORMAT JSONCompact"), Ct);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        response.Headers.GetValues("X-ClickHouse-Format").Single().ShouldBe("JSONCompact");
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("[1, \"x\"]");
    }

    [Fact]
    public async Task Settings_travel_as_url_parameters()
    {
        var response = await _http.PostAsync(Url("?max_threads=3&max_block_size=1234"), Text("SELECT getSetting('max_threads'), getSetting('max_block_size')"), Ct);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("3\t1234\n");

        var unknown = await _http.PostAsync(Url("?no_such_setting=1"), Text("SELECT 1"), Ct);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.Headers.GetValues("X-ClickHouse-Exception-Code").Single().ShouldBe("115");
    }

    [Fact]
    public async Task Insert_data_in_the_body_is_streamed_in_all_its_forms()
    {
        var table = await CreateTableAsync("(id UInt32, name String)");

        (await _http.PostAsync(Url($"?query={Uri.EscapeDataString($"INSERT INTO {table} FORMAT CSV")}"), Text("1,a\n2,b\n"), Ct)).EnsureSuccessStatusCode();
        (await _http.PostAsync(Url(""), Text($"INSERT INTO {table} FORMAT TabSeparated\n3\tc\n"), Ct)).EnsureSuccessStatusCode();
        (await _http.PostAsync(Url(""), Text($"INSERT INTO {table} VALUES (4, 'd'), (5, 'e')"), Ct)).EnsureSuccessStatusCode();
        (await _http.PostAsync(Url($"?query={Uri.EscapeDataString($"INSERT INTO {table} (id, name) FORMAT JSONEachRow")}"), Text("{\"id\":6,\"name\":\"f\"}\n"), Ct)).EnsureSuccessStatusCode();
        var last = await _http.PostAsync(Url(""), Text($"INSERT INTO {table} SELECT number + 7, 'g' FROM numbers(2)"), Ct);
        last.EnsureSuccessStatusCode();
        last.Headers.GetValues("X-ClickHouse-Summary").Single().ShouldContain("\"written_rows\":\"2\"");

        (await QueryAsync($"SELECT groupArray(name) FROM (SELECT name FROM {table} ORDER BY id)")).ShouldBe("['a','b','c','d','e','f','g','g']\n");
    }

    [Fact]
    public async Task Insert_data_never_runs_as_sql()
    {
        var table = await CreateTableAsync("(id UInt32, name String)");

        // Inline data that ends at a blank line would run the rest as SQL in a naive implementation.
        var response = await _http.PostAsync(Url(""), Text($"INSERT INTO {table} FORMAT CSV\n1,a\n\nDROP TABLE {table}\n"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldStartWith("Code: ");
        (await QueryAsync($"EXISTS TABLE {table}")).ShouldBe("1\n");
    }

    [Fact]
    public async Task Errors_carry_clickhouse_code_status_and_message()
    {
        var syntax = await _http.GetAsync(Url("?query=SELEC%201"), Ct);
        syntax.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        syntax.Headers.GetValues("X-ClickHouse-Exception-Code").Single().ShouldBe("62");
        var body = await syntax.Content.ReadAsStringAsync(Ct);
        body.ShouldStartWith("Code: 62. DB::Exception: Syntax error");
        body.ShouldEndWith("\n");

        var missing = await _http.GetAsync(Url("?query=SELECT%20*%20FROM%20nowhere_table"), Ct);
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        missing.Headers.GetValues("X-ClickHouse-Exception-Code").Single().ShouldBe("60");

        var thrown = await _http.PostAsync(Url(""), Text("SELECT throwIf(1, 'custom failure')"), Ct);
        thrown.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await thrown.Content.ReadAsStringAsync(Ct)).ShouldContain("custom failure");
    }

    [Fact]
    public async Task Get_is_read_only_and_multi_statements_are_refused()
    {
        var create = await _http.GetAsync(Url("?query=CREATE%20TABLE%20should_not_exist%20(x%20UInt8)%20ENGINE%20%3D%20Memory"), Ct);
        create.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        create.Headers.GetValues("X-ClickHouse-Exception-Code").Single().ShouldBe("164");
        (await QueryAsync("EXISTS TABLE should_not_exist")).ShouldBe("0\n");

        var multi = await _http.PostAsync(Url(""), Text("SELECT 1; SELECT 2"), Ct);
        multi.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await multi.Content.ReadAsStringAsync(Ct)).ShouldContain("Multi-statements are not allowed");
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("zstd")]
    [InlineData("lz4")]
    public async Task Compressed_request_bodies_are_decoded(string codec)
    {
        var table = await CreateTableAsync("(id UInt32)");
        var payload = Encoding.UTF8.GetBytes($"INSERT INTO {table} FORMAT TSV\n" + string.Concat(Enumerable.Range(0, 10_000).Select(i => $"{i}\n")));
        var content = new ByteArrayContent(Compress(payload, codec));
        content.Headers.ContentEncoding.Add(codec);

        (await _http.PostAsync(Url(""), content, Ct)).EnsureSuccessStatusCode();

        (await QueryAsync($"SELECT count(), sum(id) FROM {table}")).ShouldBe("10000\t49995000\n");
    }

    [Fact]
    public async Task A_corrupt_compressed_body_is_reported_not_executed()
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("SELECT 1 -- not gzip at all"));
        content.Headers.ContentEncoding.Add("gzip");
        var response = await _http.PostAsync(Url(""), content, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        response.Headers.GetValues("X-ClickHouse-Exception-Code").Single().ShouldBe("271");

        var unknown = new ByteArrayContent([1, 2, 3]);
        unknown.Headers.ContentEncoding.Add("snappy");
        var refused = await _http.PostAsync(Url(""), unknown, Ct);
        refused.Headers.GetValues("X-ClickHouse-Exception-Code").Single().ShouldBe("638");
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("zstd")]
    [InlineData("lz4")]
    public async Task Responses_are_compressed_when_asked(string codec)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url("?enable_http_compression=1")) { Content = Text("SELECT number FROM numbers(100000)") };
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue(codec));
        using var response = await _http.SendAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentEncoding.Single().ShouldBe(codec);
        var compressed = await response.Content.ReadAsByteArrayAsync(Ct);
        var text = Encoding.UTF8.GetString(Decompress(compressed, codec));
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(100_000);
        compressed.Length.ShouldBeLessThan(text.Length);
    }

    [Fact]
    public async Task Responses_are_plain_without_enable_http_compression()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url("")) { Content = Text("SELECT 1") };
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await _http.SendAsync(request, Ct);
        response.Content.Headers.ContentEncoding.ShouldBeEmpty();
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("1\n");
    }

    [Fact]
    public async Task Header_formats_keep_one_header_over_many_streamed_chunks()
    {
        var response = await _http.PostAsync(Url(""), Text("SELECT number AS n FROM numbers(300000) FORMAT CSVWithNames"), Ct);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("\"n\"");
        lines.Length.ShouldBe(300_001);
        lines.Count(l => l == "\"n\"").ShouldBe(1);

        var json = await _http.PostAsync(Url(""), Text("SELECT number AS n FROM numbers(300000) FORMAT JSON"), Ct);
        var document = System.Text.Json.JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct));
        document.RootElement.GetProperty("rows").GetInt32().ShouldBe(300_000);
    }

    private Uri Url(string pathAndQuery) => new(clickHouse.HttpAddress, pathAndQuery);

    private static StringContent Text(string text) => new(text, Encoding.UTF8, "text/plain");

    private async Task<string> QueryAsync(string sql)
    {
        var response = await _http.PostAsync(Url(""), Text(sql), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return body;
    }

    private async Task<string> CreateTableAsync(string columns)
    {
        var table = $"raw_http_{Guid.NewGuid():N}"[..21];
        await QueryAsync($"CREATE TABLE {table} {columns} ENGINE = MergeTree ORDER BY tuple()");
        return table;
    }

    private static byte[] Compress(byte[] data, string codec)
    {
        using var buffer = new MemoryStream();
        using (var stream = codec switch
        {
            "gzip" => new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(buffer, CompressionLevel.Fastest, leaveOpen: true),
            "zstd" => ZstdCompressor.Default.Compress(buffer, leaveOpen: true),
            _ => Lz4Compressor.Default.Compress(buffer, leaveOpen: true),
        })
        {
            stream.Write(data);
        }

        return buffer.ToArray();
    }

    private static byte[] Decompress(byte[] data, string codec)
    {
        using var source = new MemoryStream(data);
        using var stream = codec switch
        {
            "gzip" => new GZipStream(source, CompressionMode.Decompress),
            "deflate" => new ZLibStream(source, CompressionMode.Decompress),
            "br" => new BrotliStream(source, CompressionMode.Decompress),
            "zstd" => ZstdCompressor.Default.Decompress(source, leaveOpen: false),
            _ => Lz4Compressor.Default.Decompress(source, leaveOpen: false),
        };
        using var result = new MemoryStream();
        stream.CopyTo(result);
        return result.ToArray();
    }
}
