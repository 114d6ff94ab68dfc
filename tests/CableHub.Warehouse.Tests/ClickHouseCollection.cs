using CableHub.Testing;

namespace CableHub.Warehouse.Tests;

/// <summary>One embedded engine for the warehouse tests (chDB runs one per process); they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class ClickHouseCollection : ICollectionFixture<ClickHouseFixture>
{
    public const string Name = "clickhouse";
}
