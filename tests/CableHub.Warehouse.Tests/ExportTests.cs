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

    private async Task<string> ExportAsync(ExportFormat format)
    {
        var path = _dir.Sub($"sample.{format.ToString().ToLowerInvariant()}");
        await using var file = File.Create(path);
        var summary = await WarehouseExporter.ExportAsync(clickHouse.ConnectionString, "SELECT * FROM export_test.sample ORDER BY id", format, file, null, Ct);
        summary.Rows.ShouldBe(Rows);
        return path;
    }
}
