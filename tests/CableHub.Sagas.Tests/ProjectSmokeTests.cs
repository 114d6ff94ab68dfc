namespace CableHub.Sagas.Tests;

public sealed class ProjectSmokeTests
{
    [Fact]
    public void Assembly_loads() => typeof(ProjectSmokeTests).Assembly.GetName().Name.ShouldBe("CableHub.Sagas.Tests");
}
