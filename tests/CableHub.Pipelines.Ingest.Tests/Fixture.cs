using System.Text;

namespace CableHub.Pipelines.Ingest.Tests;

/// <summary>Reads the Debezium fixtures copied into this project (Fixtures/debezium, see PROVENANCE.txt).</summary>
internal static class Fixture
{
    public static string Path(string relative) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "debezium", relative);

    public static string Text(string relative) => File.ReadAllText(Path(relative));

    public static byte[] Bytes(string relative) => File.ReadAllBytes(Path(relative));

    /// <summary>The non-empty lines of a newline-delimited fixture, as UTF-8 message values.</summary>
    public static IReadOnlyList<byte[]> Lines(string relative) =>
        File.ReadAllLines(Path(relative)).Where(l => l.Length > 0).Select(Encoding.UTF8.GetBytes).ToList();

    public const string SchemaExclude = "flink-test-resources/debezium-postgres-data-schema-exclude.txt";
    public const string SchemaInclude = "flink-test-resources/debezium-postgres-data-schema-include.txt";
    public const string ReplicaIdentity = "flink-test-resources/debezium-postgres-data-replica-identity.txt";
    public const string CreateWithSchema = "docs-postgresql-adoc/04-create-value-with-schema.json.txt";
    public const string Tombstone = "docs-tutorial-mysql/tombstone-value.json";
}
