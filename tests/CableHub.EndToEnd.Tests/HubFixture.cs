namespace CableHub.EndToEnd.Tests;

/// <summary>One hub process shared by the tests of a class.</summary>
public sealed class HubFixture : IAsyncLifetime
{
    public HubProcess Hub { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Hub = await HubProcess.StartAsync();

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();
}

/// <summary>The test classes that share one hub process (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class SharedHub : ICollectionFixture<HubFixture>
{
    public const string Name = "shared hub";
}
