namespace CableHub.Inventory.Edi;

/// <summary>Folders and identity of the supplier EDI side, resolved from <see cref="InventorySettings"/>.</summary>
public sealed record EdiOptions(string InboxDirectory, string StoreDirectory, string QuarantineDirectory, string OutboxDirectory)
{
    public string X12Qualifier { get; init; } = "ZZ";

    public string X12Id { get; init; } = "CABLEHUB";

    public string BuyerName { get; init; } = "CableHub Operator";

    public char UsageIndicator { get; init; } = 'P';

    public string? DefaultReceivingLocation { get; init; }

    /// <summary>The folders of <paramref name="inventory"/>, defaulting to <c>&lt;dataDirectory&gt;/edi/…</c>.</summary>
    public static EdiOptions From(string dataDirectory, InventorySettings inventory)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        var edi = Path.Combine(dataDirectory, "edi");
        static string Or(string value, string fallback) => string.IsNullOrWhiteSpace(value) ? fallback : value;
        return new EdiOptions(
            Or(inventory.InboxDirectory, Path.Combine(edi, "inbox")),
            Or(inventory.StoreDirectory, Path.Combine(edi, "store")),
            Or(inventory.QuarantineDirectory, Path.Combine(edi, "quarantine")),
            Or(inventory.OutboxDirectory, Path.Combine(edi, "outbox")))
        {
            X12Qualifier = inventory.X12Qualifier,
            X12Id = inventory.X12Id,
            BuyerName = inventory.BuyerName,
            UsageIndicator = string.IsNullOrEmpty(inventory.UsageIndicator) ? 'P' : inventory.UsageIndicator[0],
            DefaultReceivingLocation = string.IsNullOrWhiteSpace(inventory.DefaultReceivingLocation) ? null : inventory.DefaultReceivingLocation,
        };
    }

    /// <summary>Options for tests and tools: every folder under <paramref name="root"/>.</summary>
    public static EdiOptions Under(string root) =>
        new(Path.Combine(root, "inbox"), Path.Combine(root, "store"), Path.Combine(root, "quarantine"), Path.Combine(root, "outbox"));
}
