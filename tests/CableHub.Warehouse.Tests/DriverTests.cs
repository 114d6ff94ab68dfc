using System.Diagnostics;
using System.Numerics;
using CableHub.Testing;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Numerics;
using ClickHouse.Driver.Utility;

namespace CableHub.Warehouse.Tests;

/// <summary>The unchanged ClickHouse.Driver against the embedded engine's HTTP interface.</summary>
[Collection(ClickHouseCollection.Name)]
public sealed class DriverTests(ClickHouseFixture clickHouse)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Guid SampleUuid = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public async Task Reads_literals_of_many_types_through_RowBinaryWithNamesAndTypes()
    {
        using var client = clickHouse.CreateClient();
        using var reader = await client.ExecuteReaderAsync(
            """
            SELECT toInt8(-8) AS i8, toInt16(-16) AS i16, toInt32(-32) AS i32, toInt64(-9223372036854775807) AS i64,
                   toUInt8(255) AS u8, toUInt16(65535) AS u16, toUInt32(4294967295) AS u32, toUInt64(18446744073709551615) AS u64,
                   toUInt128('340282366920938463463374607431768211455') AS u128,
                   toDecimal64('-12345.6789', 4) AS dec, 'héllo, wörld' AS s, toLowCardinality('lc-value') AS lc,
                   CAST(NULL AS Nullable(Int32)) AS n_null, toNullable(toInt32(5)) AS n_value,
                   toDateTime64('2024-03-01 12:34:56.789', 3, 'UTC') AS dt64, toDate('2024-02-29') AS d,
                   toUUID('0f8fad5b-d9cb-469f-a165-70867728950e') AS id, [1, 2, 3]::Array(UInt16) AS arr,
                   map('a', 1, 'b', 2)::Map(String, Int32) AS m, toFloat64(2.5) AS f64, true AS b
            """,
            cancellationToken: Ct);
        reader.Read().ShouldBeTrue();

        reader.GetFieldValue<sbyte>(reader.GetOrdinal("i8")).ShouldBe((sbyte)-8);
        reader.GetInt16(reader.GetOrdinal("i16")).ShouldBe((short)-16);
        reader.GetInt32(reader.GetOrdinal("i32")).ShouldBe(-32);
        reader.GetInt64(reader.GetOrdinal("i64")).ShouldBe(-9223372036854775807L);
        reader.GetByte(reader.GetOrdinal("u8")).ShouldBe((byte)255);
        reader.GetValue(reader.GetOrdinal("u16")).ShouldBe((ushort)65535);
        reader.GetValue(reader.GetOrdinal("u32")).ShouldBe(4294967295u);
        reader.GetValue(reader.GetOrdinal("u64")).ShouldBe(ulong.MaxValue);
        reader.GetValue(reader.GetOrdinal("u128")).ShouldBe((BigInteger)UInt128.MaxValue);
        reader.GetDecimal(reader.GetOrdinal("dec")).ShouldBe(-12345.6789m);
        reader.GetString(reader.GetOrdinal("s")).ShouldBe("héllo, wörld");
        reader.GetString(reader.GetOrdinal("lc")).ShouldBe("lc-value");
        reader.IsDBNull(reader.GetOrdinal("n_null")).ShouldBeTrue();
        reader.GetInt32(reader.GetOrdinal("n_value")).ShouldBe(5);
        var dt64 = reader.GetDateTime(reader.GetOrdinal("dt64"));
        dt64.ShouldBe(new DateTime(2024, 3, 1, 12, 34, 56, 789, DateTimeKind.Utc));
        dt64.Kind.ShouldBe(DateTimeKind.Utc);
        reader.GetDateTimeOffset(reader.GetOrdinal("dt64")).ShouldBe(new DateTimeOffset(2024, 3, 1, 12, 34, 56, 789, TimeSpan.Zero));
        reader.GetDateTime(reader.GetOrdinal("d")).Date.ShouldBe(new DateTime(2024, 2, 29));
        reader.GetGuid(reader.GetOrdinal("id")).ShouldBe(SampleUuid);
        reader.GetValue(reader.GetOrdinal("arr")).ShouldBe(new ushort[] { 1, 2, 3 });
        var map = (IDictionary<string, int>)reader.GetValue(reader.GetOrdinal("m"));
        map["a"].ShouldBe(1);
        map["b"].ShouldBe(2);
        reader.GetDouble(reader.GetOrdinal("f64")).ShouldBe(2.5);
        reader.GetBoolean(reader.GetOrdinal("b")).ShouldBeTrue();
        reader.Read().ShouldBeFalse();
    }

    [Fact]
    public async Task Bulk_copy_round_trips_every_column_type()
    {
        using var client = clickHouse.CreateClient();
        var table = Table("types");
        await client.ExecuteNonQueryAsync(
            $"""
            CREATE TABLE {table} (
                k UInt32, i8 Int8, i64 Int64, u64 UInt64, u128 UInt128, dec Decimal(18, 4), s String,
                lc LowCardinality(String), n Nullable(Int64), ts DateTime64(6, 'UTC'), d Date, id UUID,
                arr Array(String), m Map(String, UInt64)
            ) ENGINE = MergeTree ORDER BY k
            """,
            cancellationToken: Ct);
        var ts = new DateTime(2025, 1, 31, 23, 59, 58, DateTimeKind.Utc).AddTicks(1234560);
        object[][] rows =
        [
            [1u, (sbyte)-1, long.MinValue, ulong.MaxValue, (BigInteger)UInt128.MaxValue, 1234.5678m, "tab\there \"quoted\" 'single' \\ back\nline", "A", null!, ts, new DateOnly(2025, 1, 31), SampleUuid, new[] { "x", "" }, new Dictionary<string, ulong> { ["k"] = 7 }],
            [2u, (sbyte)127, 42L, 0UL, BigInteger.Zero, -0.0001m, "", "B", 99L, ts.AddDays(-1), new DateOnly(1970, 1, 1), Guid.Empty, Array.Empty<string>(), new Dictionary<string, ulong>()],
        ];

        var written = await client.InsertBinaryAsync(table, ["k", "i8", "i64", "u64", "u128", "dec", "s", "lc", "n", "ts", "d", "id", "arr", "m"], rows, cancellationToken: Ct);
        written.ShouldBe(2);

        using var reader = await client.ExecuteReaderAsync($"SELECT * FROM {table} ORDER BY k", cancellationToken: Ct);
        reader.Read().ShouldBeTrue();
        reader.GetValue(1).ShouldBe((sbyte)-1);
        reader.GetInt64(2).ShouldBe(long.MinValue);
        reader.GetValue(3).ShouldBe(ulong.MaxValue);
        reader.GetValue(4).ShouldBe((BigInteger)UInt128.MaxValue);
        reader.GetDecimal(5).ShouldBe(1234.5678m);
        reader.GetString(6).ShouldBe("tab\there \"quoted\" 'single' \\ back\nline");
        reader.GetString(7).ShouldBe("A");
        reader.IsDBNull(8).ShouldBeTrue();
        reader.GetDateTime(9).ShouldBe(ts);
        DateOnly.FromDateTime(reader.GetDateTime(10)).ShouldBe(new DateOnly(2025, 1, 31));
        reader.GetGuid(11).ShouldBe(SampleUuid);
        reader.GetValue(12).ShouldBe(new[] { "x", "" });
        ((IDictionary<string, ulong>)reader.GetValue(13))["k"].ShouldBe(7UL);
        reader.Read().ShouldBeTrue();
        reader.GetValue(4).ShouldBe(BigInteger.Zero);
        reader.GetDecimal(5).ShouldBe(-0.0001m);
        reader.GetInt64(8).ShouldBe(99L);
        reader.Read().ShouldBeFalse();
    }

    [Fact]
    public async Task Query_parameters_are_bound_server_side_including_hostile_strings()
    {
        using var client = clickHouse.CreateClient();
        const string hostile = "it's a \"test\"\t\\ with tab; DROP TABLE x; --\nnext line ünïcode";
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("s", hostile);
        parameters.AddParameter("n", 42UL);
        parameters.AddParameter("ids", new[] { 3, 1, 2 });
        parameters.AddParameter("ts", new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        parameters.AddParameter("big", (BigInteger)UInt128.MaxValue);

        using var reader = await client.ExecuteReaderAsync(
            "SELECT {s:String} AS s, {n:UInt64} + 1 AS n, arraySort({ids:Array(Int32)}) AS ids, toUnixTimestamp({ts:DateTime('UTC')}) AS ts, {big:UInt128} AS big",
            parameters,
            cancellationToken: Ct);
        reader.Read().ShouldBeTrue();
        reader.GetString(0).ShouldBe(hostile);
        reader.GetValue(1).ShouldBe(43UL);
        reader.GetValue(2).ShouldBe(new[] { 1, 2, 3 });
        reader.GetValue(3).ShouldBe((uint)new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero).ToUnixTimeSeconds());
        reader.GetValue(4).ShouldBe((BigInteger)UInt128.MaxValue);
    }

    [Fact]
    public async Task Ado_command_with_parameters_and_scalar_results()
    {
        await using var connection = new ClickHouseConnection(clickHouse.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count() FROM numbers(100) WHERE number < {limit:UInt32}";
        command.AddParameter("limit", 25);
        (await command.ExecuteScalarAsync(Ct)).ShouldBe(25UL);
        command.QueryStats.ShouldNotBeNull();
        command.ServerTimezone.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Parameters_sent_as_multipart_form_data_work_too()
    {
        var builder = new ClickHouseConnectionStringBuilder(clickHouse.ConnectionString) { UseFormDataParameters = true };
        using var client = new ClickHouseClient(builder.ConnectionString);
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("name", "form & data");
        (await client.ExecuteScalarAsync("SELECT concat({name:String}, '!')", parameters, cancellationToken: Ct)).ShouldBe("form & data!");
    }

    [Fact]
    public async Task Million_row_bulk_copy_with_newline_bytes_in_the_binary_data_arrives_exactly()
    {
        // RowBinary of 0..999999 contains "\n\n" (e.g. 2570 = 0x0A0A): data must never be cut at a blank line.
        const int count = 1_000_000;
        using var client = clickHouse.CreateClient();
        var table = Table("million");
        await client.ExecuteNonQueryAsync($"CREATE TABLE {table} (id UInt32, small UInt16) ENGINE = MergeTree ORDER BY id", cancellationToken: Ct);
        var written = await client.InsertBinaryAsync(table, ["id", "small"], Enumerable.Range(0, count).Select(i => new object[] { (uint)i, (ushort)(i % 65536) }), cancellationToken: Ct);
        written.ShouldBe(count);
        (await client.ExecuteScalarAsync($"SELECT count() FROM {table}", cancellationToken: Ct)).ShouldBe((ulong)count);
        (await client.ExecuteScalarAsync($"SELECT countIf(small = 2570) FROM {table}", cancellationToken: Ct)).ShouldBe(16UL);
    }

    [Fact]
    public async Task Bulk_copy_of_150k_rows_arrives_exactly()
    {
        const int count = 150_000;
        using var client = clickHouse.CreateClient();
        var table = Table("bulk");
        await client.ExecuteNonQueryAsync($"CREATE TABLE {table} (id UInt64, name String, amount Decimal(18, 2), at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id", cancellationToken: Ct);
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var rows = Enumerable.Range(0, count).Select(i => new object[] { (ulong)i, $"customer-{i}", i / 100m, start.AddSeconds(i) });

        var stopwatch = Stopwatch.StartNew();
        var written = await client.InsertBinaryAsync(table, ["id", "name", "amount", "at"], rows, new InsertOptions { BatchSize = 50_000 }, Ct);
        stopwatch.Stop();

        written.ShouldBe(count);
        using var reader = await client.ExecuteReaderAsync($"SELECT count(), uniqExact(id), sum(amount), max(at) FROM {table}", cancellationToken: Ct);
        reader.Read().ShouldBeTrue();
        reader.GetValue(0).ShouldBe((ulong)count);
        reader.GetValue(1).ShouldBe((ulong)count);
        reader.GetDecimal(2).ShouldBe(Enumerable.Range(0, count).Sum(i => i / 100m));
        reader.GetDateTime(3).ShouldBe(start.AddSeconds(count - 1));
        TestContext.Current.TestOutputHelper?.WriteLine($"bulk copy: {count} rows in {stopwatch.ElapsedMilliseconds} ms = {count / stopwatch.Elapsed.TotalSeconds:N0} rows/s");
    }

    [Fact]
    public async Task Uncompressed_client_works_too()
    {
        var builder = new ClickHouseConnectionStringBuilder(clickHouse.ConnectionString) { Compression = false };
        using var client = new ClickHouseClient(builder.ConnectionString);
        var table = Table("plain");
        await client.ExecuteNonQueryAsync($"CREATE TABLE {table} (id UInt32) ENGINE = Memory", cancellationToken: Ct);
        await client.InsertBinaryAsync(table, ["id"], Enumerable.Range(0, 1000).Select(i => new object[] { (uint)i }), new InsertOptions { Compressor = null }, Ct);
        (await client.ExecuteScalarAsync($"SELECT sum(id) FROM {table}", cancellationToken: Ct)).ShouldBe(499_500UL);
    }

    [Fact]
    public async Task Syntax_error_surfaces_as_server_exception_with_code_and_message()
    {
        using var client = clickHouse.CreateClient();
        var error = await Should.ThrowAsync<ClickHouseServerException>(() => client.ExecuteScalarAsync("SELEC 1", cancellationToken: Ct));
        error.ErrorCode.ShouldBe(62);
        error.Message.ShouldStartWith("Code: 62. DB::Exception: Syntax error");
        error.Message.ShouldContain("SYNTAX_ERROR");

        var missing = await Should.ThrowAsync<ClickHouseServerException>(() => client.ExecuteScalarAsync("SELECT * FROM no_such_table_anywhere", cancellationToken: Ct));
        missing.ErrorCode.ShouldBe(60);
        missing.Message.ShouldContain("UNKNOWN_TABLE");
    }

    [Fact]
    public async Task Bad_bulk_data_is_rejected_and_nothing_of_the_batch_is_inserted()
    {
        using var client = clickHouse.CreateClient();
        var table = Table("strict");
        await client.ExecuteNonQueryAsync($"CREATE TABLE {table} (id UInt8) ENGINE = MergeTree ORDER BY id", cancellationToken: Ct);
        await Should.ThrowAsync<Exception>(() => client.InsertBinaryAsync(table, ["id"], [[(byte)1], [300]], cancellationToken: Ct));
        (await client.ExecuteScalarAsync($"SELECT count() FROM {table}", cancellationToken: Ct)).ShouldBe(0UL);
    }

    [Fact]
    public async Task Error_in_the_middle_of_a_streamed_result_reaches_the_reader()
    {
        using var client = clickHouse.CreateClient();
        using var reader = await client.ExecuteReaderAsync("SELECT number, throwIf(number = 2000000, 'late boom') FROM numbers(3000000)", cancellationToken: Ct);
        var rows = 0L;
        var error = Should.Throw<ClickHouseServerException>(() =>
        {
            while (reader.Read())
            {
                rows++;
            }
        });
        error.Message.ShouldContain("late boom");
        error.ErrorCode.ShouldBe(395);
        rows.ShouldBeGreaterThan(0);
        rows.ShouldBeLessThan(3_000_000);
    }

    [Fact]
    public async Task Big_result_streams_completely()
    {
        using var client = clickHouse.CreateClient();
        using var reader = await client.ExecuteReaderAsync("SELECT number, toString(number) FROM numbers(2000000)", cancellationToken: Ct);
        ulong sum = 0;
        var rows = 0;
        while (reader.Read())
        {
            sum += (ulong)reader.GetValue(0);
            rows++;
        }

        rows.ShouldBe(2_000_000);
        sum.ShouldBe(1_999_999UL * 2_000_000UL / 2);
    }

    [Fact]
    public async Task Concurrent_queries_and_inserts_all_succeed()
    {
        using var client = clickHouse.CreateClient();
        var table = Table("concurrent");
        await client.ExecuteNonQueryAsync($"CREATE TABLE {table} (worker UInt32, n UInt32) ENGINE = MergeTree ORDER BY (worker, n)", cancellationToken: Ct);

        var tasks = Enumerable.Range(0, 12).Select(async worker =>
        {
            await client.InsertBinaryAsync(table, ["worker", "n"], Enumerable.Range(0, 5000).Select(n => new object[] { (uint)worker, (uint)n }), cancellationToken: Ct);
            var parameters = new ClickHouseParameterCollection();
            parameters.AddParameter("w", worker);
            var sum = await client.ExecuteScalarAsync($"SELECT sum(n) + {{w:UInt32}} * 0 FROM {table} WHERE worker = {{w:UInt32}}", parameters, cancellationToken: Ct);
            var heavy = await client.ExecuteScalarAsync("SELECT count() FROM numbers(3000000) WHERE number % 7 = 0", cancellationToken: Ct);
            return (sum, heavy);
        }).ToArray();

        var results = await Task.WhenAll(tasks);
        results.ShouldAllBe(r => (ulong)r.sum == 12_497_500UL && (ulong)r.heavy == 428_572UL);
        (await client.ExecuteScalarAsync($"SELECT count() FROM {table}", cancellationToken: Ct)).ShouldBe(60_000UL);
    }

    [Fact]
    public async Task Session_keeps_temporary_tables_between_requests()
    {
        var builder = new ClickHouseConnectionStringBuilder(clickHouse.ConnectionString) { UseSession = true, SessionId = Guid.NewGuid().ToString() };
        using var client = new ClickHouseClient(builder.ConnectionString);
        await client.ExecuteNonQueryAsync("CREATE TEMPORARY TABLE scratch (x UInt8)", cancellationToken: Ct);
        await client.ExecuteNonQueryAsync("INSERT INTO scratch SELECT number FROM numbers(3)", cancellationToken: Ct);
        (await client.ExecuteScalarAsync("SELECT sum(x) FROM scratch", cancellationToken: Ct)).ShouldBe(3UL);

        using var other = clickHouse.CreateClient();
        await Should.ThrowAsync<ClickHouseServerException>(() => other.ExecuteScalarAsync("SELECT sum(x) FROM scratch", cancellationToken: Ct));
    }

    [Fact]
    public async Task Connection_string_database_is_the_current_database()
    {
        var connectionString = await clickHouse.CreateDatabaseAsync();
        using var client = new ClickHouseClient(connectionString);
        await client.ExecuteNonQueryAsync("CREATE TABLE here (x UInt8) ENGINE = Memory", cancellationToken: Ct);
        await client.InsertBinaryAsync("here", ["x"], [[(byte)7]], cancellationToken: Ct);
        var database = (string)(await client.ExecuteScalarAsync("SELECT currentDatabase()", cancellationToken: Ct))!;
        database.ShouldStartWith("t_");
        (await client.ExecuteScalarAsync($"SELECT x FROM `{database}`.here", cancellationToken: Ct)).ShouldBe((byte)7);
    }

    [Fact]
    public async Task Unknown_database_in_connection_string_is_reported()
    {
        var builder = new ClickHouseConnectionStringBuilder(clickHouse.ConnectionString) { Database = "no_such_db" };
        using var client = new ClickHouseClient(builder.ConnectionString);
        var error = await Should.ThrowAsync<ClickHouseServerException>(() => client.ExecuteScalarAsync("SELECT 1", cancellationToken: Ct));
        error.ErrorCode.ShouldBe(81);
    }

    private static string Table(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
