namespace CableHub.EndToEnd.Tests;

public sealed class ProjectSmokeTests
{
    [Fact]
    public void Assembly_loads() => typeof(ProjectSmokeTests).Assembly.GetName().Name.ShouldBe("CableHub.EndToEnd.Tests");
}
