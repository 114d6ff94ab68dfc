using Microsoft.AspNetCore.Http;

namespace CableHub.Inventory.Api;

/// <summary>Helpers of the inventory and EDI endpoints (errors go through the one problem mapping).</summary>
internal static class InventoryApi
{
    /// <summary>Runs an inventory operation whose errors are about <paramref name="field"/> of the request.</summary>
    public static async Task<T> AtAsync<T>(string field, Func<Task<T>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (InventoryRuleException ex) when (ex.Errors.All(e => e.Field is null))
        {
            throw ex.At(field);
        }
    }
}
