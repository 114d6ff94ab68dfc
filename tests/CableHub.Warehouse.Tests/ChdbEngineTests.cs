using System.Diagnostics;
using System.Text;
using CableHub.Testing;
using CableHub.Warehouse.Embedded;

namespace CableHub.Warehouse.Tests;

/// <summary>The chDB engine used directly (in-process), next to the HTTP interface.</summary>
[Collection(ClickHouseCollection.Name)]
public sealed class ChdbEngineTests(ClickHouseFixture clickHouse)
{
    [Fact]
    public void Default_path_is_where_the_fetch_script_puts_the_library()
    {
        var script = Path.Combine(RepositoryRoot(), "warehouse", "engine", "fetch-chdb.sh");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();

        process.ExitCode.ShouldBe(0);
        output.ShouldBe(ChdbLibrary.DefaultPath());
        File.Exists(output).ShouldBeTrue();
    }

    [Fact]
    public void A_missing_library_names_the_fetch_script()
    {
        var error = Should.Throw<FileNotFoundException>(() => ChdbLibrary.Load("/nonexistent/libchdb.so"));
        error.Message.ShouldContain("warehouse/engine/fetch-chdb.sh");
    }

    [Fact]
    public void A_second_engine_in_the_process_is_refused_with_a_clear_message()
    {
        var error = Should.Throw<InvalidOperationException>(() => ChdbEngine.Open(Path.Combine(Path.GetTempPath(), "cablehub-other-path")));
        error.Message.ShouldContain("one data path per process");
    }

    [Fact]
    public void Streaming_insert_treats_every_byte_as_data()
    {
        using var connection = clickHouse.Server.Engine.OpenConnection();
        var table = $"direct_{Guid.NewGuid():N}"[..19];
#pragma warning disable CA2100
        connection.Execute($"CREATE TABLE {table} (line String) ENGINE = MergeTree ORDER BY tuple()");
        using (var insert = connection.BeginInsert($"INSERT INTO {table}", "LineAsString"))
        {
            insert.Append(Encoding.UTF8.GetBytes("first\n\nSELECT 42; DROP TABLE "));
            insert.Append(Encoding.UTF8.GetBytes($"{table}\nlast\n"));
            insert.Complete().WrittenRows.ShouldBe(4UL);
        }

        connection.QueryText($"SELECT groupArray(line) FROM {table}").ShouldBe($"['first','','SELECT 42; DROP TABLE {table}','last']\n");
#pragma warning restore CA2100
    }

    [Fact]
    public void Parameters_and_errors_through_the_connection()
    {
        using var connection = clickHouse.Server.Engine.OpenConnection();
        connection.QueryText("SELECT {a:String} || '!'", [new("a", "hi\\tthere")]).ShouldBe("hi\\tthere!\n");
        var error = Should.Throw<ChdbException>(() => connection.QueryText("SELECT * FROM missing_table_x"));
        error.Code.ShouldBe(60);
        error.ErrorName.ShouldBe("UNKNOWN_TABLE");

        using var stream = connection.QueryStream("SELECT number FROM numbers(10)", "TabSeparated");
        Should.Throw<InvalidOperationException>(() => connection.QueryText("SELECT 1")).Message.ShouldContain("one statement at a time");
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CableHub.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
