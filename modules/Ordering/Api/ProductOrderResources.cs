using System.Text.Json.Serialization;

namespace CableHub.Ordering.Api;

// TMF622 Product Ordering v4 resource shapes (the subset the hub accepts and returns).
// A new customer travels inline as a relatedParty with role "Customer" and @type "Individual"
// (TMF632 Individual fields); the hub creates the party, the customer and a billing account.

public sealed record ProductOrderCreate(
    string? ExternalId,
    string? Description,
    IReadOnlyList<ChannelRef>? Channel,
    IReadOnlyList<RelatedParty>? RelatedParty,
    BillingAccountRef? BillingAccount,
    IReadOnlyList<ProductOrderItemCreate>? ProductOrderItem,
    DateTimeOffset? RequestedStartDate = null,
    string? Effective = null);

public sealed record ChannelRef(string? Id, string? Name);

public sealed record RelatedParty(
    string? Id,
    string? Role,
    [property: JsonPropertyName("@type")] string? Type,
    [property: JsonPropertyName("@referredType")] string? ReferredType,
    string? GivenName,
    string? FamilyName,
    string? BirthDate,
    string? PreferredLanguage,
    IReadOnlyList<ContactMedium>? ContactMedium);

public sealed record ContactMedium(string? MediumType, bool? Preferred, MediumCharacteristic? Characteristic);

public sealed record MediumCharacteristic(
    string? EmailAddress,
    string? PhoneNumber,
    string? Street1,
    string? City,
    string? PostCode,
    string? StateOrProvince,
    string? Country);

/// <summary>Billing preferences for the account the order opens (CableHub extension fields).</summary>
public sealed record BillingAccountRef(string? Id, string? PaymentMethod, int? BillCycleDay, string? Currency);

public sealed record ProductOrderItemCreate(string? Id, string? Action, int? Quantity, ProductOfferingRef? ProductOffering, ProductRef? Product = null);

/// <summary>
/// The existing product (subscription) a change item acts on. <c>status</c> <c>suspended</c> / <c>active</c> on a modify item asks
/// for a suspension or a restore; <c>suspensionReason</c> (CableHub extension): vacation (default), dunning, operator.
/// </summary>
public sealed record ProductRef(string? Id, string? Href, string? Status, string? SuspensionReason);

/// <summary>TMF622 cancelProductOrder (task resource).</summary>
public sealed record CancelProductOrderCreate(ProductOrderRefIn? ProductOrder, string? CancellationReason);

public sealed record ProductOrderRefIn(string? Id, string? Href);

public sealed record CancelProductOrderResource(
    string Id,
    string Href,
    string State,
    string? CancellationReason,
    DateTimeOffset EffectiveCancellationDate,
    ProductOrderRefIn ProductOrder,
    [property: JsonPropertyName("@type")] string Type = "CancelProductOrder");

public sealed record ProductOfferingRef(string? Id, string? Href, string? Name);

public sealed record ProductOrderResource(
    string Id,
    string Href,
    string? ExternalId,
    string State,
    string? StateReason,
    DateTimeOffset OrderDate,
    DateTimeOffset? CompletionDate,
    IReadOnlyList<ChannelRef> Channel,
    IReadOnlyList<RelatedPartyRef> RelatedParty,
    BillingAccountOut? BillingAccount,
    IReadOnlyList<ProductOrderItemResource> ProductOrderItem,
    IReadOnlyList<StateChange> StateChange,
    DateTimeOffset? RequestedStartDate = null,
    [property: JsonPropertyName("@type")] string Type = "ProductOrder");

public sealed record RelatedPartyRef(
    string Id,
    string Href,
    string Role,
    [property: JsonPropertyName("@referredType")] string ReferredType);

public sealed record BillingAccountOut(string Id, string Href);

public sealed record ProductOrderItemResource(string Id, string Action, int Quantity, string State, ProductOfferingRef? ProductOffering, ProductRef? Product = null);

public sealed record StateChange(string State, string? Reason, DateTimeOffset ChangeDate);
