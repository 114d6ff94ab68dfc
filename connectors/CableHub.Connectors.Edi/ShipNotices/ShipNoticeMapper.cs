using System.Globalization;
using CableHub.Connectors.Edi.Edifact;
using CableHub.Connectors.Edi.X12;

namespace CableHub.Connectors.Edi.ShipNotices;

/// <summary>Maps an X12 856 or an EDIFACT DESADV to the format-neutral <see cref="ShipNotice"/>.</summary>
public static class ShipNoticeMapper
{
    /// <summary>
    /// X12 856: every I level (or a level with LIN and no item above it) is an item. Its order is the PRF of the
    /// nearest level above it that has one (else a LIN "PO"/"ON" id); its package the nearest P or T level above
    /// it (SSCC from MAN*GM). Levels below an item (P under I, as in S-T-I-P) add their serial numbers to it.
    /// </summary>
    public static ShipNotice FromX12(X12Transaction transaction, X12InterchangeHeader? interchange = null)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var notice = transaction.ShipNotice
            ?? throw new ArgumentException($"transaction set {transaction.TransactionSetId} {transaction.ControlNumber} is not a parsed 856 ship notice", nameof(transaction));
        var levels = notice.Levels;
        var index = new Dictionary<string, int>(levels.Count, StringComparer.Ordinal);
        for (var i = 0; i < levels.Count; i++)
        {
            index.TryAdd(levels[i].Id, i);
        }

        var itemOf = new int[levels.Count];
        var packageOf = new int[levels.Count];
        var orderRefOf = new int[levels.Count];
        var extraSerials = new List<string>?[levels.Count];
        for (var i = 0; i < levels.Count; i++)
        {
            var level = levels[i];
            var parent = level.ParentId is not null && index.TryGetValue(level.ParentId, out var p) && p < i ? p : -1;
            var parentItem = parent >= 0 ? itemOf[parent] : -1;
            var isItem = level.LevelCode == X12LevelCodes.Item || (level.Item is not null && parentItem < 0);
            itemOf[i] = isItem ? i : parentItem;
            var isPackage = level.LevelCode is X12LevelCodes.Pack or X12LevelCodes.Tare && parentItem < 0;
            packageOf[i] = isPackage ? i : parent >= 0 ? packageOf[parent] : -1;
            orderRefOf[i] = level.PurchaseOrder is not null ? i : parent >= 0 ? orderRefOf[parent] : -1;
            if (!isItem && itemOf[i] >= 0 && level.SerialNumbers.Count > 0)
            {
                (extraSerials[itemOf[i]] ??= []).AddRange(level.SerialNumbers);
            }
        }

        var orders = new OrderCollector();
        for (var i = 0; i < levels.Count; i++)
        {
            if (itemOf[i] != i)
            {
                continue;
            }

            var level = levels[i];
            var identifiers = level.Item?.Ids.Select(id => new ItemIdentifier(X12Kind(id.Qualifier), id.Qualifier, id.Value)).ToList() ?? [];
            var serials = extraSerials[i] is { } extra ? [.. level.SerialNumbers, .. extra] : level.SerialNumbers;
            var po = orderRefOf[i] >= 0
                ? levels[orderRefOf[i]].PurchaseOrder!.PurchaseOrderNumber
                : identifiers.FirstOrDefault(id => id.Qualifier is "PO")?.Value ?? identifiers.FirstOrDefault(id => id.Qualifier is "ON")?.Value;
            var quantity = level.Quantity?.Quantity ?? (serials.Count > 0 ? serials.Count : null);
            var item = new ShipNoticeItem(level.Item?.LineNumber ?? level.Quantity?.LineNumber, ModelCode(identifiers), quantity, level.Quantity?.Unit,
                identifiers, serials)
            {
                Description = level.Description,
            };

            string? sscc = null;
            bool? valid = null;
            string? packageId = null;
            if (packageOf[i] >= 0)
            {
                var package = levels[packageOf[i]];
                packageId = package.Id;
                var marks = package.Marks.FirstOrDefault(m => m.Qualifier == "GM");
                sscc = marks?.Sscc ?? marks?.Number;
                valid = marks?.SsccValid;
            }

            orders.Add(po, packageId, sscc, valid, item);
        }

        var shipment = levels.FirstOrDefault(l => l.LevelCode == X12LevelCodes.Shipment);
        var dates = notice.Dates.Concat(shipment?.Dates ?? []).ToList();
        return new ShipNotice(
            "X12 856",
            notice.ShipmentId,
            interchange?.SenderId,
            ParseDate(dates.FirstOrDefault(d => d.Qualifier == "011")?.Date) ?? ParseDate(notice.Date),
            ParseDate(dates.FirstOrDefault(d => d.Qualifier is "017" or "067")?.Date),
            levels.SelectMany(l => l.Carriers).FirstOrDefault(c => c.Id is not null)?.Id,
            orders.Build())
        {
            Warnings = transaction.Warnings,
        };
    }

    /// <summary>
    /// EDIFACT DESADV: every LIN is an item of the CPS level it follows; the level's first GIN+BJ is the package
    /// SSCC (or the line's own GIN+BJ when the level has none); the order is the line's RFF+ON, else the header's.
    /// </summary>
    public static ShipNotice FromDesadv(EdifactMessage message, EdifactInterchangeHeader? interchange = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var advice = message.DespatchAdvice
            ?? throw new ArgumentException($"message {message.Reference} ({message.Type}) is not a parsed DESADV", nameof(message));
        var headerOrder = advice.References.FirstOrDefault(r => r.Qualifier == "ON")?.Value;
        var orders = new OrderCollector();
        foreach (var level in advice.PackageLevels)
        {
            foreach (var line in level.Lines)
            {
                var identifiers = new List<ItemIdentifier>();
                if (line.ItemNumber is not null)
                {
                    identifiers.Add(new ItemIdentifier(EdifactKind(line.ItemNumberType), line.ItemNumberType ?? "", line.ItemNumber));
                }

                identifiers.AddRange(line.AdditionalIds.Select(id => new ItemIdentifier(EdifactKind(id.Type), id.Type ?? "", id.Id)));
                var quantity = line.Quantities.FirstOrDefault(q => q.Qualifier == "12") ?? line.Quantities.FirstOrDefault();
                var item = new ShipNoticeItem(line.LineNumber, ModelCode(identifiers),
                    quantity?.Value ?? (line.SerialNumbers.Count > 0 ? line.SerialNumbers.Count : null), quantity?.Unit, identifiers, line.SerialNumbers)
                {
                    Description = line.Description,
                };
                var sscc = level.Ssccs.FirstOrDefault() ?? (line.Ssccs.Count == 1 ? line.Ssccs[0] : null);
                bool? valid = null;
                if (sscc is not null)
                {
                    var status = Sscc.Check(sscc, out var normalized, out _);
                    valid = status == Sscc.Status.Valid;
                    sscc = normalized ?? sscc;
                }

                var po = line.References.FirstOrDefault(r => r.Qualifier == "ON")?.Value ?? headerOrder;
                orders.Add(po, level.HierarchyId.Length == 0 ? null : level.HierarchyId, sscc, valid, item);
            }
        }

        return new ShipNotice(
            "EDIFACT DESADV",
            advice.DocumentNumber,
            interchange?.SenderId,
            ParseDate(advice.Dates.FirstOrDefault(d => d.Qualifier == "11")?.Value) ?? ParseDate(advice.Dates.FirstOrDefault(d => d.Qualifier == "137")?.Value),
            ParseDate(advice.Dates.FirstOrDefault(d => d.Qualifier is "17" or "132" or "2")?.Value),
            advice.Transports.FirstOrDefault(t => t.CarrierId is not null)?.CarrierId,
            orders.Build())
        {
            Warnings = message.Warnings,
        };
    }

    /// <summary>Supplier part first (the model code the PO carries), then manufacturer, buyer, GTIN, anything.</summary>
    private static string ModelCode(List<ItemIdentifier> identifiers) =>
        (identifiers.FirstOrDefault(i => i.Kind == ItemIdentifierKind.SupplierPart)
         ?? identifiers.FirstOrDefault(i => i.Kind == ItemIdentifierKind.ManufacturerPart)
         ?? identifiers.FirstOrDefault(i => i.Kind == ItemIdentifierKind.BuyerPart)
         ?? identifiers.FirstOrDefault(i => i.Kind == ItemIdentifierKind.Gtin)
         ?? identifiers.FirstOrDefault(i => i.Kind == ItemIdentifierKind.Other))?.Value ?? "";

    // X12 235 product/service id qualifiers.
    private static ItemIdentifierKind X12Kind(string qualifier) => qualifier switch
    {
        "VP" or "VN" or "VA" or "VC" => ItemIdentifierKind.SupplierPart,
        "BP" or "IN" or "PI" => ItemIdentifierKind.BuyerPart,
        "UP" or "UK" or "EN" or "UA" or "EA" or "UD" or "UI" or "UN" => ItemIdentifierKind.Gtin,
        "MG" or "MF" or "MN" => ItemIdentifierKind.ManufacturerPart,
        "SN" => ItemIdentifierKind.SerialNumber,
        _ => ItemIdentifierKind.Other,
    };

    // EDIFACT 7143 item type codes.
    private static ItemIdentifierKind EdifactKind(string? type) => type switch
    {
        "SA" or "VP" or "VN" => ItemIdentifierKind.SupplierPart,
        "BP" or "IN" => ItemIdentifierKind.BuyerPart,
        "EN" or "SRV" or "UP" or "EAN" or "GTIN" => ItemIdentifierKind.Gtin,
        "MF" or "MP" => ItemIdentifierKind.ManufacturerPart,
        "SN" => ItemIdentifierKind.SerialNumber,
        _ => ItemIdentifierKind.Other,
    };

    /// <summary>CCYYMMDD (also CCYYMMDDHHMM…) or YYMMDD.</summary>
    internal static DateOnly? ParseDate(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length >= 8 && DateOnly.TryParseExact(text[..8], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        return text.Length == 6 && DateOnly.TryParseExact(text, "yyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date) ? date : null;
    }

    /// <summary>Groups items by purchase order, then by package, keeping first-seen order.</summary>
    private sealed class OrderCollector
    {
        private readonly List<(string? Po, List<(string? LevelId, string? Sscc, bool? Valid, List<ShipNoticeItem> Items)> Packages)> _orders = [];
        private readonly Dictionary<string, int> _orderIndex = new(StringComparer.Ordinal);
        private readonly Dictionary<(int Order, string LevelId), int> _packageIndex = [];

        public void Add(string? po, string? levelId, string? sscc, bool? valid, ShipNoticeItem item)
        {
            // '\0' cannot occur in EDI text: it stands for "none".
            if (!_orderIndex.TryGetValue(po ?? "\0", out var order))
            {
                order = _orders.Count;
                _orders.Add((po, []));
                _orderIndex[po ?? "\0"] = order;
            }

            var packages = _orders[order].Packages;
            if (!_packageIndex.TryGetValue((order, levelId ?? "\0"), out var package))
            {
                package = packages.Count;
                packages.Add((levelId, sscc, valid, []));
                _packageIndex[(order, levelId ?? "\0")] = package;
            }

            packages[package].Items.Add(item);
        }

        public List<ShipNoticeOrder> Build() =>
            _orders.ConvertAll(o => new ShipNoticeOrder(o.Po, o.Packages.ConvertAll(p => new ShipNoticePackage(p.Sscc, p.Valid, p.LevelId, p.Items))));
    }
}
