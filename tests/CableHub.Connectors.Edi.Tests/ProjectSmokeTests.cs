namespace CableHub.Connectors.Edi.Tests;

public sealed class ProjectSmokeTests
{
    [Fact]
    public void Assembly_loads() => typeof(ProjectSmokeTests).Assembly.GetName().Name.ShouldBe("CableHub.Connectors.Edi.Tests");
}
