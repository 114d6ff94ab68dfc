using CableHub.Core;
using CableHub.Modules.Testing;

namespace CableHub.Catalog.Tests;

public sealed class PlanTests(OperationalDatabase db) : IClassFixture<OperationalDatabase>
{
    [Fact]
    public async Task Plans_read_with_money_and_period()
    {
        var plan = await db.Get<CatalogStore>().GetPlanByCodeAsync("BASIC-M");
        plan.ShouldNotBeNull();
        plan.Price.ShouldBe(new Money(299.00m, "INR"));
        plan.BillingPeriod.ShouldBe(BillingPeriod.Monthly);
        BillingPeriod.Months(BillingPeriod.Semiannual).ShouldBe(6);
    }
}
