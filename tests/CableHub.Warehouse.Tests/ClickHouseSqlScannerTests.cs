using System.Text;
using CableHub.Warehouse.Sql;

namespace CableHub.Warehouse.Tests;

public sealed class ClickHouseSqlScannerTests
{
    [Theory]
    [InlineData("INSERT INTO t FORMAT CSV\n1,a\n", "INSERT INTO t", "CSV", "1,a\n")]
    [InlineData("INSERT INTO t FORMAT CSV\r\n1,a", "INSERT INTO t", "CSV", "1,a")]
    [InlineData("insert into db.t (a, b) format RowBinary\n\n\u0001", "insert into db.t (a, b)", "RowBinary", "\n\u0001")]
    [InlineData("INSERT INTO t VALUES (1, 'a;b'), (2, 'FORMAT')", "INSERT INTO t", "Values", " (1, 'a;b'), (2, 'FORMAT')")]
    [InlineData("/* c */ INSERT INTO t (format, `values`) SETTINGS async_insert=0 FORMAT JSONEachRow {\"format\":1}", "/* c */ INSERT INTO t (format, `values`) SETTINGS async_insert=0", "JSONEachRow", "{\"format\":1}")]
    [InlineData("INSERT INTO format FORMAT TSV\n1\n", "INSERT INTO format", "TSV", "1\n")]
    [InlineData("INSERT INTO t SELECT * FROM input('x UInt8') FORMAT CSV\n1\n", "INSERT INTO t SELECT * FROM input('x UInt8')", "CSV", "1\n")]
    public void Finds_where_insert_data_begins(string text, string statement, string format, string data)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var split = ClickHouseSqlScanner.FindInsertData(bytes, complete: true);
        split.Kind.ShouldBe(InsertDataKind.Data);
        Encoding.UTF8.GetString(bytes, 0, split.StatementLength).Trim().ShouldBe(statement);
        split.Format.ShouldBe(format);
        Encoding.UTF8.GetString(bytes, split.DataStart, bytes.Length - split.DataStart).ShouldBe(data);
    }

    [Theory]
    [InlineData("SELECT 1")]
    [InlineData("INSERT INTO t SELECT number FROM numbers(3)")]
    [InlineData("INSERT INTO t SELECT * FROM values('x UInt8', 1)")]
    [InlineData("CREATE TABLE t (x UInt8) ENGINE = Memory")]
    public void Other_statements_carry_no_data(string text) =>
        ClickHouseSqlScanner.FindInsertData(Encoding.UTF8.GetBytes(text), complete: true).Kind.ShouldBe(InsertDataKind.None);

    [Theory]
    [InlineData("INSERT INTO t FORM")]
    [InlineData("INSERT INTO t FORMAT CS")]
    [InlineData("INSERT INTO t FORMAT CSV")]
    [InlineData("INSERT INTO 't")]
    [InlineData("INS")]
    public void Partial_text_asks_for_more(string text) =>
        ClickHouseSqlScanner.FindInsertData(Encoding.UTF8.GetBytes(text), complete: false).Kind.ShouldBe(InsertDataKind.NeedMore);

    [Theory]
    [InlineData("SELECT 1 FORMAT JSON", "JSON")]
    [InlineData("SELECT 1 FORMAT JSONEachRow SETTINGS max_threads = 1", "JSONEachRow")]
    [InlineData("SELECT 1 FORMAT `CSV`;", "CSV")]
    [InlineData("SELECT format FROM t", null)]
    [InlineData("SELECT 'FORMAT JSON'", null)]
    [InlineData("SELECT format('{}', 1) AS format", null)]
    [InlineData("SELECT * FROM (SELECT 1 FORMAT JSON)", null)]
    public void Finds_the_output_format(string sql, string? format) =>
        ClickHouseSqlScanner.FindOutputFormat(sql).ShouldBe(format);

    [Fact]
    public void Splits_scripts_into_statements_with_their_lines()
    {
        const string script = """
            -- header comment; with a semicolon
            CREATE DATABASE IF NOT EXISTS raw;

            /* block; comment */
            CREATE VIEW v AS SELECT 'a;b' AS x, "c;d" AS y, $$e;f$$ AS z;
            ;
            SELECT 1 -- trailing
            """;
        var statements = ClickHouseSqlScanner.SplitStatements(script);
        statements.Select(s => s.Line).ShouldBe([2, 5, 7]);
        statements[0].Text.ShouldBe("CREATE DATABASE IF NOT EXISTS raw");
        statements[1].Text.ShouldBe("CREATE VIEW v AS SELECT 'a;b' AS x, \"c;d\" AS y, $$e;f$$ AS z");
        statements[2].Text.ShouldBe("SELECT 1");
    }

    [Fact]
    public void An_unterminated_string_is_reported_with_its_line()
    {
        var error = Should.Throw<FormatException>(() => ClickHouseSqlScanner.SplitStatements("SELECT 1;\nSELECT 'oops"));
        error.Message.ShouldBe("line 2: unterminated string literal");
    }
}
