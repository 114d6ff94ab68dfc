namespace CableHub.Customers.Contracts;

/// <summary>Where the Customers module serves its TMF resources: the hrefs other modules hand out for a customer or billing account.</summary>
public static class CustomerHrefs
{
    /// <summary>TMF629 customer.</summary>
    public const string CustomerPath = "/tmf-api/customerManagement/v4/customer";

    /// <summary>TMF666 billingAccount.</summary>
    public const string BillingAccountPath = "/tmf-api/accountManagement/v4/billingAccount";

    public static string Customer(Guid id) => $"{CustomerPath}/{id}";

    public static string BillingAccount(Guid id) => $"{BillingAccountPath}/{id}";
}
