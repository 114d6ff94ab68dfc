namespace CableHub.Connectors.Xmltv.Tests;

public sealed class ProjectSmokeTests
{
    [Fact]
    public void Assembly_loads() => typeof(ProjectSmokeTests).Assembly.GetName().Name.ShouldBe("CableHub.Connectors.Xmltv.Tests");
}
