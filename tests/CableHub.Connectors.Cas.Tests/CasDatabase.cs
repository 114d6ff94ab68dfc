using CableHub.Connectors.Cas.Simulator;
using CableHub.Testing;

namespace CableHub.Connectors.Cas.Tests;

/// <summary>One throwaway PostgreSQL cluster for the CAS tests; each test class takes its own database.</summary>
[CollectionDefinition(Name)]
public sealed class CasCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "cas";
}

internal static class Cas
{
    public static readonly DateTimeOffset From = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<(SimulatedConditionalAccessSystem Sim, string ConnectionString)> NewSimulatorAsync(PostgresFixture postgres)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var sim = new SimulatedConditionalAccessSystem(new CasSimulatorOptions { ConnectionString = connectionString, ControlRefresh = TimeSpan.Zero });
        await sim.EnsureSchemaAsync();
        return (sim, connectionString);
    }
}
