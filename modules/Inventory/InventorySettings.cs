namespace CableHub.Inventory;

/// <summary>
/// Equipment inventory and supplier EDI (configuration section <c>Inventory</c>). Folders default to
/// <c>&lt;DataDirectory&gt;/edi/…</c> when empty.
/// </summary>
public sealed class InventorySettings
{
    /// <summary>Watched folder for supplier EDI files (856 / DESADV / 997); empty = <c>&lt;DataDirectory&gt;/edi/inbox</c>.</summary>
    public string InboxDirectory { get; set; } = "";

    /// <summary>Content-addressed copy of every file received; empty = <c>&lt;DataDirectory&gt;/edi/store</c>.</summary>
    public string StoreDirectory { get; set; } = "";

    /// <summary>Bad files with their reason; empty = <c>&lt;DataDirectory&gt;/edi/quarantine</c>.</summary>
    public string QuarantineDirectory { get; set; } = "";

    /// <summary>850s and 997s for the suppliers to pick up; empty = <c>&lt;DataDirectory&gt;/edi/outbox</c>.</summary>
    public string OutboxDirectory { get; set; } = "";

    /// <summary>Watch the inbox folder (the api role does).</summary>
    public bool WatchInbox { get; set; } = true;

    /// <summary>How often the inbox is scanned besides file-system notifications.</summary>
    public int InboxPollSeconds { get; set; } = 5;

    /// <summary>A file is taken once it has not changed for this long (the writer has finished).</summary>
    public int InboxSettleMilliseconds { get; set; } = 1000;

    /// <summary>Our X12 identity (ISA05/ISA06, GS02) on 850s and 997s.</summary>
    public string X12Qualifier { get; set; } = "ZZ";

    public string X12Id { get; set; } = "CABLEHUB";

    /// <summary>Name of the buyer on purchase orders (N1*BY).</summary>
    public string BuyerName { get; set; } = "CableHub Operator";

    /// <summary>ISA15 of files we send: P production, T test.</summary>
    public string UsageIndicator { get; set; } = "P";

    /// <summary>Ship notices for an unknown purchase order are recorded against this warehouse (code); empty = the first warehouse.</summary>
    public string DefaultReceivingLocation { get; set; } = "";

    /// <summary>Minutes between low-stock checks (0 = never automatically).</summary>
    public int ReorderCheckMinutes { get; set; } = 15;

    /// <summary>Turn open low-stock alerts into draft purchase orders at each check.</summary>
    public bool DraftPurchaseOrdersFromAlerts { get; set; }

    /// <summary>Largest upload accepted by POST /api/edi/files, in megabytes.</summary>
    public int MaxUploadMegabytes { get; set; } = 512;
}
