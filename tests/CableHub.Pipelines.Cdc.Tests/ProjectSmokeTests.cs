namespace CableHub.Pipelines.Cdc.Tests;

public sealed class ProjectSmokeTests
{
    [Fact]
    public void Assembly_loads() => typeof(ProjectSmokeTests).Assembly.GetName().Name.ShouldBe("CableHub.Pipelines.Cdc.Tests");
}
