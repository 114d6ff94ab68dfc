using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using CableHub.Testing;
using CableHub.Warehouse.Export;
using CsvHelper;
using Parquet;
using Parquet.Schema;

namespace CableHub.Warehouse.Tests;

/// <summary>
/// Each export format read back by two readers — the library's own (Apache.Arrow, Parquet.Net, CsvHelper) and
/// ClickHouse's (its Arrow, Parquet and CSV input formats through file()) — and compared with the source row by row:
/// counts, types, NULLs, decimals, DateTime64 with a zone, LowCardinality strings, awkward CSV text.
/// (pyarrow is not installed on these machines, and no registry here serves it.)
/// </summary>
[Collection(ClickHouseCollection.Name)]
public sealed class ExportTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private const int Rows = 20_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDirectory _dir = new("cablehub-export");

    // The same text form of a row from the source and from every read-back (instants as epoch microseconds, so the
    // zone does not matter; NULL spelled out).
    private const string Canonical =
        "concat(toString(id), '|', name, '|', ifNull(note, '<null>'), '|', toString(amount), '|', ifNull(toString(amount_n), '<null>'), '|', " +
        "toString(toUnixTimestamp64Micro(toDateTime64(at, 6))), '|', ifNull(toString(toUnixTimestamp64Micro(toDateTime64(at_n, 6))), '<null>'), '|', " +
        "toString(toDate(day)), '|', toString(toBool(flag)), '|', toString(ratio), '|', toString(uid))";

    public async ValueTask InitializeAsync()
    {
        using var client = clickHouse.CreateClient();
        await client.ExecuteNonQueryAsync("CREATE DATABASE IF NOT EXISTS export_test", cancellationToken: Ct);
        await client.ExecuteNonQueryAsync("DROP TABLE IF EXISTS export_test.sample", cancellationToken: Ct);
        await client.ExecuteNonQueryAsync("""
            CREATE TABLE export_test.sample
            (
                id UInt64, name LowCardinality(String), note Nullable(String), amount Decimal(18, 2), amount_n Nullable(Decimal(18, 2)),
                at DateTime64(3, 'Asia/Kolkata'), at_n Nullable(DateTime64(6, 'UTC')), day Date, flag Bool, ratio Float64, uid UUID
            ) ENGINE = MergeTree ORDER BY id
            """, cancellationToken: Ct);
        await client.ExecuteNonQueryAsync($"""
            INSERT INTO export_test.sample
            SELECT number, ['north', 'south', 'east'][number % 3 + 1],
                   multiIf(number % 5 = 0, NULL, number % 7 = 0, '', number % 11 = 0, 'a "quoted", comma\nand newline', concat('note ', toString(number))),
                   toDecimal64(number * 1.25 - 999.99, 2), if(number % 4 = 0, NULL, toDecimal64(number / 100, 2)),
                   toDateTime64('2026-01-31 23:59:59.123', 3, 'Asia/Kolkata') + toIntervalSecond(number * 37),
                   if(number % 3 = 0, NULL, toDateTime64('2026-03-01 00:00:00.000001', 6, 'UTC') + toIntervalMicrosecond(number * 1001)),
                   toDate('2026-01-01') + number % 400, number % 2 = 0, number / 7, generateUUIDv4(number)
            FROM numbers({Rows})
            """, cancellationToken: Ct);
    }

    public ValueTask DisposeAsync()
    {
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData(ExportFormat.Parquet, "Parquet")]
    [InlineData(ExportFormat.Arrow, "Arrow")]
    [InlineData(ExportFormat.Csv, "CSVWithNames")]
    public async Task Every_row_reads_back_equal_through_ClickHouse_own_reader(ExportFormat format, string clickHouseFormat)
    {
        var path = await ExportAsync(format);
        var structure = format == ExportFormat.Csv
            ? ", 'id UInt64, name String, note Nullable(String), amount Decimal(18, 2), amount_n Nullable(Decimal(18, 2)), at DateTime64(3, \\'UTC\\'), at_n Nullable(DateTime64(6, \\'UTC\\')), day Date, flag Bool, ratio Float64, uid UUID'"
            : string.Empty;
        var settings = format == ExportFormat.Csv ? " SETTINGS date_time_input_format = 'best_effort', input_format_csv_empty_as_default = 1, format_csv_allow_single_quotes = 0" : string.Empty;
        using var client = clickHouse.CreateClient();
        var source = await client.ExecuteScalarAsync($"SELECT groupBitXor(cityHash64({Canonical})) FROM export_test.sample", cancellationToken: Ct);
        var back = await client.ExecuteScalarAsync($"SELECT groupBitXor(cityHash64({Canonical})) FROM file('{path}', '{clickHouseFormat}'{structure}){settings}", cancellationToken: Ct);
        var count = await client.ExecuteScalarAsync($"SELECT count() FROM file('{path}', '{clickHouseFormat}'{structure}){settings}", cancellationToken: Ct);
        count.ShouldBe((ulong)Rows);
        back.ShouldBe(source);
        // A wrong value must change the checksum (the comparison can fail).
        (await client.ExecuteScalarAsync($"SELECT groupBitXor(cityHash64({Canonical.Replace("toString(amount)", "toString(amount + 0.01)", StringComparison.Ordinal)})) FROM export_test.sample", cancellationToken: Ct)).ShouldNotBe(source);
    }

    [Fact]
    public async Task Arrow_file_keeps_types_zone_decimals_and_nulls()
    {
        var path = await ExportAsync(ExportFormat.Arrow);
        using var stream = File.OpenRead(path);
        using var reader = new ArrowFileReader(stream);
        var schema = (await reader.ReadNextRecordBatchAsync(Ct))!.Schema;
        ((TimestampType)schema.GetFieldByName("at").DataType).Timezone.ShouldBe("Asia/Kolkata");
        ((TimestampType)schema.GetFieldByName("at").DataType).Unit.ShouldBe(TimeUnit.Millisecond);
        var amount = (Decimal128Type)schema.GetFieldByName("amount_n").DataType;
        (amount.Precision, amount.Scale).ShouldBe((18, 2));
        schema.GetFieldByName("amount_n").IsNullable.ShouldBeTrue();
        schema.GetFieldByName("name").DataType.ShouldBeOfType<StringType>();
        schema.GetFieldByName("uid").DataType.ShouldBeOfType<StringType>();
        schema.GetFieldByName("day").DataType.ShouldBeOfType<Date32Type>();

        long rows = 0, nullNotes = 0;
        DateTimeOffset? firstAt = null;
        decimal? firstAmount = null;
        stream.Position = 0;
        using var again = new ArrowFileReader(stream);
        while (await again.ReadNextRecordBatchAsync(Ct) is { } batch)
        {
            var note = (StringArray)batch.Column("note");
            nullNotes += note.NullCount;
            firstAt ??= ((TimestampArray)batch.Column("at")).GetTimestamp(0);
            firstAmount ??= ((Decimal128Array)batch.Column("amount")).GetValue(0);
            rows += batch.Length;
        }

        rows.ShouldBe(Rows);
        nullNotes.ShouldBe(Rows / 5);
        firstAt.ShouldBe(new DateTimeOffset(2026, 1, 31, 23, 59, 59, 123, TimeSpan.FromHours(5.5)));
        firstAmount.ShouldBe(-999.99m);
    }

    [Fact]
    public async Task Parquet_file_reads_back_with_ParquetNet()
    {
        var path = await ExportAsync(ExportFormat.Parquet);
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: Ct);
        reader.CustomMetadata["cablehub.timezone.at"].ShouldBe("Asia/Kolkata");
        var fields = reader.Schema.GetDataFields();
        var amount = fields.Single(f => f.Name == "amount").ShouldBeOfType<DecimalDataField>();
        (amount.Precision, amount.Scale).ShouldBe((18, 2));
        fields.Single(f => f.Name == "at").ShouldBeOfType<DateTimeDataField>().IsAdjustedToUTC.ShouldBeTrue();
        fields.Single(f => f.Name == "note").IsNullable.ShouldBeTrue();

        long rows = 0, nullAmounts = 0;
        decimal firstAmount = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = (int)group.RowCount;
            var values = new decimal?[n];
            await group.ReadAsync<decimal>(fields.Single(f => f.Name == "amount_n"), values.AsMemory(), null, Ct);
            nullAmounts += values.Count(v => v is null);
            if (g == 0)
            {
                var firsts = new decimal[n];
                await group.ReadAsync<decimal>(amount, firsts.AsMemory(), null, Ct);
                firstAmount = firsts[0];
            }

            rows += n;
        }

        rows.ShouldBe(Rows);
        nullAmounts.ShouldBe(Rows / 4);
        firstAmount.ShouldBe(-999.99m);
    }

    [Fact]
    public async Task Csv_file_reads_back_with_CsvHelper_keeping_empty_strings_apart_from_nulls()
    {
        var path = await ExportAsync(ExportFormat.Csv);
        using var reader = CsvReader.FromFile(path, CsvReaderOptions.Default);
        reader.ReadHeader();
        reader.Headers.ShouldBe(["id", "name", "note", "amount", "amount_n", "at", "at_n", "day", "flag", "ratio", "uid"]);
        var rows = 0;
        while (reader.Read())
        {
            var id = reader.Parse<long>(0);
            var note = reader.GetString(2);
            if (id == 0)
            {
                note.ShouldBe(string.Empty); // NULL
                reader.GetString(5).ShouldBe("2026-01-31T23:59:59.123+05:30");
                reader.GetString(3).ShouldBe("-999.99");
            }
            else if (id == 11)
            {
                note.ShouldBe("a \"quoted\", comma\nand newline");
            }

            rows++;
        }

        rows.ShouldBe(Rows);
        var text = await File.ReadAllTextAsync(path, Ct);
        text.ShouldContain("\n7,south,\"\",", Case.Sensitive); // id 7: the empty string, quoted
        text.ShouldContain("\n5,east,,", Case.Sensitive);      // id 5: NULL, an empty field
    }

    [Fact]
    public async Task Results_of_several_batches_with_nested_and_text_typed_columns_keep_every_value()
    {
        // 150,000 rows: three record batches of 65,536 and a partial one. Arrays stay lists in Arrow; UUID, Enum, Int128,
        // Map and Tuple become their ClickHouse text; FixedString loses its padding; DateTime becomes a timestamp in seconds.
        const int n = 150_000;
        var query = $"""
            SELECT number AS id,
                   range(number % 4) AS ints,
                   if(number % 10 = 0, [], arrayMap(x -> if(x = 1, NULL, toString(x)), range(number % 3))) AS texts,
                   toFixedString(['IN', 'US', 'D'][number % 3 + 1], 3) AS country,
                   map('k', number) AS attrs,
                   tuple(number, 'x') AS pair,
                   toInt128(number) * 1000000000000 AS big,
                   CAST(number % 2 + 1 AS Enum8('on' = 1, 'off' = 2)) AS state,
                   toDateTime('2026-02-01 10:00:00', 'UTC') + number AS plain_at,
                   toDate('2026-01-01') + number % 30 AS day,
                   toFloat32(number / 4) AS quarter,
                   toInt8(number % 100 - 50) AS small,
                   NULL AS nothing
            FROM numbers({n})
            ORDER BY id
            """;
        var path = _dir.Sub("batches.arrow");
        await using (var file = File.Create(path))
        {
            (await WarehouseExporter.ExportAsync(clickHouse.ConnectionString, query, ExportFormat.Arrow, file, null, Ct)).Rows.ShouldBe(n);
        }

        using var stream = File.OpenRead(path);
        using var reader = new ArrowFileReader(stream);
        var batches = 0;
        long rows = 0, listElements = 0, nullTexts = 0, idSum = 0;
        while (await reader.ReadNextRecordBatchAsync(Ct) is { } batch)
        {
            batches++;
            var ids = (UInt64Array)batch.Column("id");
            var ints = (ListArray)batch.Column("ints");
            var texts = (ListArray)batch.Column("texts");
            var textValues = (StringArray)texts.Values;
            for (var i = 0; i < batch.Length; i++)
            {
                var id = (long)ids.GetValue(i)!.Value;
                idSum += id;
                ints.GetValueLength(i).ShouldBe((int)(id % 4));
                listElements += ints.GetValueLength(i);
                if (id == 7)
                {
                    ((UInt8Array)ints.Values).GetValue(ints.ValueOffsets[i] + 2).ShouldBe((byte)2); // [0, 1, 2]: range of a UInt8 is Array(UInt8)
                }
            }

            nullTexts += textValues.NullCount;
            if (batches == 1)
            {
                batch.Schema.GetFieldByName("ints").DataType.ShouldBeOfType<ListType>();
                ((StringArray)batch.Column("country")).GetString(2).ShouldBe("D");
                ((StringArray)batch.Column("country")).GetString(0).ShouldBe("IN");
                ((StringArray)batch.Column("attrs")).GetString(7).ShouldBe("{'k':7}");
                ((StringArray)batch.Column("pair")).GetString(7).ShouldBe("(7,'x')");
                ((StringArray)batch.Column("big")).GetString(3).ShouldBe("3000000000000");
                ((StringArray)batch.Column("state")).GetString(1).ShouldBe("off");
                ((TimestampArray)batch.Column("plain_at")).GetTimestamp(1).ShouldBe(new DateTimeOffset(2026, 2, 1, 10, 0, 1, TimeSpan.Zero));
                ((Date32Array)batch.Column("day")).GetDateOnly(31).ShouldBe(new DateOnly(2026, 1, 2));
                ((FloatArray)batch.Column("quarter")).GetValue(3).ShouldBe(0.75f);
                ((Int8Array)batch.Column("small")).GetValue(0).ShouldBe((sbyte)-50);
                batch.Column("nothing").NullCount.ShouldBe(batch.Length);
            }

            rows += batch.Length;
        }

        rows.ShouldBe(n);
        batches.ShouldBe(3);
        idSum.ShouldBe((long)n * (n - 1) / 2);
        listElements.ShouldBe(Enumerable.Range(0, n).Sum(i => (long)(i % 4)));
        nullTexts.ShouldBe(Enumerable.Range(0, n).Count(i => i % 10 != 0 && i % 3 == 2)); // [ '0', NULL ] when number % 3 = 2

        // The same query as Parquet, read back by ClickHouse's own reader: every row, same sums.
        var parquet = _dir.Sub("batches.parquet");
        await using (var file = File.Create(parquet))
        {
            await WarehouseExporter.ExportAsync(clickHouse.ConnectionString, query, ExportFormat.Parquet, file, null, Ct);
        }

        using var client = clickHouse.CreateClient();
        var back = await client.ExecuteScalarAsync($"SELECT concat(toString(count()), '|', toString(sum(id)), '|', toString(countIf(ints = '[0,1,2]')), '|', toString(countIf(country = 'D')), '|', toString(sum(intDiv(toInt64OrZero(big), 1000000000000)))) FROM file('{parquet}', 'Parquet')", cancellationToken: Ct);
        back.ShouldBe($"{n}|{(long)n * (n - 1) / 2}|{n / 4}|{n / 3}|{(long)n * (n - 1) / 2}");
    }

    [Fact]
    public async Task An_error_while_the_result_streams_fails_the_export_with_ClickHouse_message()
    {
        await using var file = new MemoryStream();
        var error = await Should.ThrowAsync<ClickHouseHttpException>(() => WarehouseExporter.ExportAsync(clickHouse.ConnectionString,
            "SELECT number, throwIf(number = 300000, 'export stopped on purpose') AS x FROM numbers(1000000)", ExportFormat.Csv, file, null, Ct));
        error.Message.ShouldContain("export stopped on purpose");
    }

    private async Task<string> ExportAsync(ExportFormat format)
    {
        var path = _dir.Sub($"sample.{format.ToString().ToLowerInvariant()}");
        await using var file = File.Create(path);
        var summary = await WarehouseExporter.ExportAsync(clickHouse.ConnectionString, "SELECT * FROM export_test.sample ORDER BY id", format, file, null, Ct);
        summary.Rows.ShouldBe(Rows);
        return path;
    }
}
