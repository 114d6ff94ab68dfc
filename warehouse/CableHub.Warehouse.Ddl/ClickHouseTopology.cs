using System.Text.RegularExpressions;

namespace CableHub.Warehouse.Ddl;

/// <summary>
/// Where the warehouse's tables live, and the one place that turns the DDL the code writes (single-node ClickHouse:
/// <c>CREATE TABLE … ENGINE = ReplacingMergeTree(…)</c>) into the statements of that topology.
/// <list type="bullet">
/// <item>Single node (<see cref="Cluster"/> empty, the embedded engine and a lone server): statements run as written.</item>
/// <item>Cluster (<c>ClickHouse:Cluster</c> = a <c>remote_servers</c> name, with Keeper): every statement gets
/// <c>ON CLUSTER</c>; a MergeTree-family table <c>db.t</c> becomes <c>db.t_local</c> with the
/// <c>Replicated…MergeTree</c> engine on every replica, plus <c>db.t</c> = <c>Distributed</c> over it, sharded by a hash
/// of its sorting key (rows of one key share a shard, so <c>FINAL</c> collapses them there). Reads and inserts use
/// <c>db.t</c>; column changes go to both; partition and mutation statements go to <c>db.t_local</c>.</item>
/// </list>
/// Used by the ingester's raw tables (pipelines/), the warehouse migrations and the marts, so all follow one dialect.
/// </summary>
public sealed partial record ClickHouseTopology
{
    /// <summary>Statements run as written.</summary>
    public static ClickHouseTopology SingleNode { get; } = new();

    /// <summary>Cluster name from the servers' <c>remote_servers</c>; empty = single node.</summary>
    public string? Cluster { get; init; }

    /// <summary>Keeper path of a replicated table (ClickHouse expands the macros).</summary>
    public string ReplicaPath { get; init; } = "/clickhouse/tables/{shard}/{database}/{table}";

    /// <summary>Replica name (a macro every server defines).</summary>
    public string ReplicaName { get; init; } = "{replica}";

    /// <summary>Suffix of the per-shard tables under a Distributed table.</summary>
    public string LocalSuffix { get; init; } = "_local";

    public bool IsCluster => !string.IsNullOrWhiteSpace(Cluster);

    /// <summary>A topology from the <c>ClickHouse:Cluster</c> setting (empty or null = single node).</summary>
    public static ClickHouseTopology For(string? cluster)
    {
        if (string.IsNullOrWhiteSpace(cluster))
        {
            return SingleNode;
        }

        if (!PlainIdentifier().IsMatch(cluster))
        {
            throw new ArgumentException($"ClickHouse:Cluster '{cluster}' is not a plain identifier (letters, digits, underscore)", nameof(cluster));
        }

        return new ClickHouseTopology { Cluster = cluster };
    }

    /// <summary>The table that holds the rows of <paramref name="table"/> on each server (the table itself on a single node).</summary>
    public string LocalName(string table) => IsCluster ? table + LocalSuffix : table;

    /// <summary>The statements that carry out <paramref name="statement"/> (written for a single node) in this topology.</summary>
    /// <exception cref="NotSupportedException">A statement kind this topology cannot distribute (named in the message).</exception>
    public IReadOnlyList<string> Expand(string statement)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(statement);
        if (!IsCluster)
        {
            return [statement];
        }

        var text = statement.Trim();
        var onCluster = $" ON CLUSTER {Quote(Cluster!)}";
        Match m;
        if ((m = CreateTable().Match(text)).Success)
        {
            return CreateTableOnCluster(text, m, onCluster);
        }

        if ((m = CreateDatabase().Match(text)).Success || (m = CreateView().Match(text)).Success)
        {
            return [text.Insert(m.Groups["name"].Index + m.Groups["name"].Length, onCluster)];
        }

        if ((m = AlterTable().Match(text)).Success)
        {
            var rest = text[(m.Index + m.Length)..];
            var local = ReplaceName(text, m.Groups["name"], LocalQualified(m.Groups["name"].Value) + onCluster);
            if (ColumnClause().IsMatch(rest))
            {
                // Structure changes: the replicated tables first, then the Distributed table over them.
                return [local, text.Insert(m.Groups["name"].Index + m.Groups["name"].Length, onCluster)];
            }

            return [local];
        }

        if ((m = DropTable().Match(text)).Success)
        {
            var drop = text.Insert(m.Groups["name"].Index + m.Groups["name"].Length, onCluster);
            if (m.Groups["kind"].Value.Equals("VIEW", StringComparison.OrdinalIgnoreCase) || m.Groups["kind"].Value.Equals("DATABASE", StringComparison.OrdinalIgnoreCase))
            {
                return [drop];
            }

            var dropLocal = ReplaceName(text, m.Groups["name"], LocalQualified(m.Groups["name"].Value) + onCluster);
            return [drop, IfExists(dropLocal)];
        }

        if ((m = LocalOnly().Match(text)).Success)
        {
            return [ReplaceName(text, m.Groups["name"], LocalQualified(m.Groups["name"].Value) + onCluster)];
        }

        if (ExchangeOrRename().IsMatch(text))
        {
            throw new NotSupportedException($"'{FirstLine(text)}': EXCHANGE/RENAME of tables is not distributed by the warehouse topology; use versioned rows instead");
        }

        // INSERT, SELECT, SYSTEM …: run as written against the Distributed tables.
        return [text];
    }

    /// <summary>
    /// The single-node form of a statement produced for a cluster (for linting the cluster DDL on the embedded engine):
    /// no <c>ON CLUSTER</c>, <c>Replicated…MergeTree('path', 'replica', args)</c> → <c>…MergeTree(args)</c>, and
    /// <c>Distributed(cluster, db, table, key)</c> → <c>Merge(db, '^table$')</c> (reads the same rows on one server).
    /// </summary>
    public static string StripCluster(string statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var text = OnClusterClause().Replace(statement, string.Empty);
        text = ReplicatedEngine().Replace(text, m => m.Groups["engine"].Value + "(" + (m.Groups["rest"].Success ? m.Groups["rest"].Value.TrimStart(',', ' ') : string.Empty));
        text = DistributedEngine().Replace(text, m => $"ENGINE = Merge({m.Groups["db"].Value}, '^{Unquote(m.Groups["table"].Value)}$')");
        return text;
    }

    private List<string> CreateTableOnCluster(string text, Match m, string onCluster)
    {
        var nameGroup = m.Groups["name"];
        var engine = EngineClause().Match(text);
        if (!engine.Success || !engine.Groups["engine"].Value.EndsWith("MergeTree", StringComparison.Ordinal) || engine.Groups["engine"].Value.StartsWith("Replicated", StringComparison.Ordinal))
        {
            // Not a MergeTree-family table (or already replicated): same table on every server.
            return [text.Insert(nameGroup.Index + nameGroup.Length, onCluster)];
        }

        var (database, table) = SplitName(nameGroup.Value);
        var args = engine.Groups["args"].Success ? engine.Groups["args"].Value.Trim() : string.Empty;
        var replicatedArgs = $"'{ReplicaPath}', '{ReplicaName}'" + (args.Length > 0 ? ", " + args : string.Empty);
        var withEngine = text[..engine.Index] + $"ENGINE = Replicated{engine.Groups["engine"].Value}({replicatedArgs})" + text[(engine.Index + engine.Length)..];
        var localSql = ReplaceName(withEngine, nameGroup, LocalQualified(nameGroup.Value) + onCluster);

        var comment = TrailingComment().Match(text);
        var sharding = ShardingKey(text[(engine.Index + engine.Length)..]);
        var ifNotExists = m.Groups["ine"].Success ? "IF NOT EXISTS " : string.Empty;
        var distributed = $"CREATE TABLE {ifNotExists}{nameGroup.Value}{onCluster} AS {LocalQualified(nameGroup.Value)}\n" +
                          $"ENGINE = Distributed({Quote(Cluster!)}, {database ?? "currentDatabase()"}, {Quote(Unquote(table) + LocalSuffix)}, {sharding})" +
                          (comment.Success ? "\n" + comment.Value.Trim() : string.Empty);
        return [localSql, distributed];
    }

    private static string ShardingKey(string afterEngine)
    {
        var order = OrderBy().Match(afterEngine);
        if (!order.Success)
        {
            return "rand()";
        }

        var key = order.Groups["key"].Value.Trim();
        if (key.StartsWith('(') && key.EndsWith(')'))
        {
            key = key[1..^1].Trim();
        }

        return key.Length == 0 || key.Equals("tuple()", StringComparison.OrdinalIgnoreCase) ? "rand()" : $"cityHash64({key})";
    }

    private static string ReplaceName(string text, Group name, string replacement) =>
        text[..name.Index] + replacement + text[(name.Index + name.Length)..];

    /// <summary><c>db.t</c> → <c>db.t_local</c>, <c>`db`.`t`</c> → <c>`db`.`t_local`</c>.</summary>
    private string LocalQualified(string qualified)
    {
        var (database, table) = SplitName(qualified);
        var local = Quote(Unquote(table) + LocalSuffix);
        return database is null ? local : $"{database}.{local}";
    }

    private static string IfExists(string dropStatement) =>
        IfExistsClause().IsMatch(dropStatement) ? dropStatement : DropKeyword().Replace(dropStatement, "$0 IF EXISTS", 1);

    private static (string? Database, string Table) SplitName(string qualified)
    {
        var m = QualifiedName().Match(qualified);
        return m.Groups["db"].Success ? (m.Groups["db"].Value, m.Groups["table"].Value) : (null, m.Groups["table"].Value);
    }

    private static string Quote(string identifier) => "`" + identifier.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";

    private static string Unquote(string identifier) =>
        identifier.Length >= 2 && identifier[0] == '`' && identifier[^1] == '`'
            ? identifier[1..^1].Replace("\\`", "`", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal)
            : identifier;

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private const string Ident = @"(?:`(?:[^`\\]|\\.)*`|[A-Za-z_][A-Za-z0-9_]*)";

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex PlainIdentifier();

    [GeneratedRegex($@"^(?<db>{Ident})\.(?<table>{Ident})$|^(?<table>{Ident})$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex($@"^CREATE\s+TABLE\s+(?<ine>IF\s+NOT\s+EXISTS\s+)?(?<name>{Ident}(?:\.{Ident})?)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTable();

    [GeneratedRegex($@"^CREATE\s+DATABASE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?<name>{Ident})", RegexOptions.IgnoreCase)]
    private static partial Regex CreateDatabase();

    [GeneratedRegex($@"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(?<name>{Ident}(?:\.{Ident})?)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateView();

    [GeneratedRegex($@"^ALTER\s+TABLE\s+(?<name>{Ident}(?:\.{Ident})?)", RegexOptions.IgnoreCase)]
    private static partial Regex AlterTable();

    [GeneratedRegex(@"^\s*(?:ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR)\s+COLUMN\b|,\s*(?:ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b", RegexOptions.IgnoreCase)]
    private static partial Regex ColumnClause();

    [GeneratedRegex($@"^DROP\s+(?<kind>TABLE|VIEW|DATABASE|DICTIONARY)\s+(?:IF\s+EXISTS\s+)?(?<name>{Ident}(?:\.{Ident})?)", RegexOptions.IgnoreCase)]
    private static partial Regex DropTable();

    [GeneratedRegex($@"^(?:TRUNCATE\s+TABLE\s+(?:IF\s+EXISTS\s+)?|OPTIMIZE\s+TABLE\s+|DELETE\s+FROM\s+)(?<name>{Ident}(?:\.{Ident})?)", RegexOptions.IgnoreCase)]
    private static partial Regex LocalOnly();

    [GeneratedRegex(@"^(?:EXCHANGE|RENAME)\s+(?:TABLES?|DICTIONAR)", RegexOptions.IgnoreCase)]
    private static partial Regex ExchangeOrRename();

    [GeneratedRegex(@"ENGINE\s*=\s*(?<engine>[A-Za-z]+)(?:\s*\((?<args>(?:[^()]|\((?:[^()]|\([^()]*\))*\))*)\))?", RegexOptions.IgnoreCase)]
    private static partial Regex EngineClause();

    [GeneratedRegex(@"ORDER\s+BY\s+(?<key>\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)|[^\s]+)", RegexOptions.IgnoreCase)]
    private static partial Regex OrderBy();

    [GeneratedRegex(@"\bCOMMENT\s+'(?:[^'\\]|\\.)*'\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex TrailingComment();

    [GeneratedRegex($@"\s+ON\s+CLUSTER\s+{Ident}", RegexOptions.IgnoreCase)]
    private static partial Regex OnClusterClause();

    [GeneratedRegex(@"Replicated(?<engine>[A-Za-z]*MergeTree)\s*\(\s*'(?:[^'\\]|\\.)*'\s*,\s*'(?:[^'\\]|\\.)*'(?<rest>\s*,[^)]*)?", RegexOptions.IgnoreCase)]
    private static partial Regex ReplicatedEngine();

    [GeneratedRegex($@"ENGINE\s*=\s*Distributed\s*\(\s*{Ident}\s*,\s*(?<db>{Ident}|currentDatabase\(\))\s*,\s*(?<table>{Ident})\s*(?:,[^\n]*)?\)", RegexOptions.IgnoreCase)]
    private static partial Regex DistributedEngine();

    [GeneratedRegex(@"\bIF\s+EXISTS\b", RegexOptions.IgnoreCase)]
    private static partial Regex IfExistsClause();

    [GeneratedRegex(@"^DROP\s+TABLE", RegexOptions.IgnoreCase)]
    private static partial Regex DropKeyword();
}
