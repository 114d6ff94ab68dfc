using CableHub.Core;

namespace CableHub.Catalog.Contracts;

// Integration events of the catalog: contract records of their own (built from the domain's price change and notice,
// never the domain records themselves), published through the outbox and produced to cablehub.events.catalog.

/// <summary>
/// A channel's à-la-carte price will change on <paramref name="EffectiveFrom"/>; the subscribers who receive the channel
/// are to be told (<c>GET /api/v1/catalog/price-change-notices/{id}/customers</c> lists them). Published through the
/// outbox in the transaction that scheduled the price; the notice row (hub.price_change_notice) is the durable copy.
/// </summary>
public sealed record ChannelPriceChangeAnnounced(
    Guid NoticeId,
    Guid ChannelId,
    string ChannelCode,
    string ChannelName,
    Money? OldPrice,
    Money NewPrice,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset AnnouncedAt,
    int AffectedSubscribers,
    string RegulatoryProfile);

/// <summary>A bouquet's price will change on <paramref name="EffectiveFrom"/>; its subscribers are to be told.</summary>
public sealed record BouquetPriceChangeAnnounced(
    Guid NoticeId,
    Guid BouquetId,
    string BouquetCode,
    string BouquetName,
    Money? OldPrice,
    Money NewPrice,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset AnnouncedAt,
    int AffectedSubscribers,
    string RegulatoryProfile);
