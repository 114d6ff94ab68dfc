using System.Text.Json.Serialization;

namespace CableHub.Customers.Api;

// TMF629 Customer Management v4 and TMF666 Account Management v4 resource shapes (the subset the hub serves). Field names
// and types follow TM Forum's v4 schemas; null attributes are left out of answers.

/// <summary>
/// TMF629 customer. <c>name</c> is the customer number (not personal data). Personal data — <c>engagedParty.name</c>,
/// <c>contactMedium</c>, the <c>birthDate</c> characteristic — is present only for a caller allowed to read it.
/// </summary>
public sealed record CustomerResource
{
    public required string Id { get; init; }

    public required string Href { get; init; }

    public required string Name { get; init; }

    public required string Status { get; init; }

    public string? StatusReason { get; init; }

    public required TimePeriod ValidFor { get; init; }

    public required PartyRef EngagedParty { get; init; }

    public IReadOnlyList<AccountRef> Account { get; init; } = [];

    public IReadOnlyList<Characteristic> Characteristic { get; init; } = [];

    public IReadOnlyList<ContactMedium>? ContactMedium { get; init; }

    [JsonPropertyName("@type")]
    public string Type { get; init; } = "Customer";
}

/// <summary>TMF RelatedParty / EngagedParty reference (TMF632 party: no href, the hub serves no party resource).</summary>
public sealed record PartyRef
{
    public required string Id { get; init; }

    public string? Href { get; init; }

    public string? Name { get; init; }

    public string? Role { get; init; }

    [JsonPropertyName("@referredType")]
    public required string ReferredType { get; init; }
}

/// <summary>TMF AccountRef: a billing account of the customer (TMF666 href).</summary>
public sealed record AccountRef(string Id, string Href, string Name, [property: JsonPropertyName("@referredType")] string ReferredType = "BillingAccount");

/// <summary>TMF Characteristic (name, valueType, value).</summary>
public sealed record Characteristic(string Name, string ValueType, string Value);

/// <summary>TMF629 contactMedium: <c>email</c>, <c>mobile</c> or <c>postalAddress</c> with its characteristic.</summary>
public sealed record ContactMedium(string MediumType, bool Preferred, MediumCharacteristic Characteristic);

/// <summary>TMF629 MediumCharacteristic.</summary>
public sealed record MediumCharacteristic
{
    public string? EmailAddress { get; init; }

    public string? PhoneNumber { get; init; }

    public string? Street1 { get; init; }

    public string? City { get; init; }

    public string? PostCode { get; init; }

    public string? StateOrProvince { get; init; }

    public string? Country { get; init; }
}

/// <summary>TMF TimePeriod.</summary>
public sealed record TimePeriod(DateTimeOffset? StartDateTime, DateTimeOffset? EndDateTime = null);

/// <summary>
/// TMF666 billingAccount. <c>name</c> is the account number; <c>relatedParty</c> the customer (TMF629 href);
/// <c>billStructure.cycleSpecification</c> the monthly cycle (<c>billingDateShift</c> = bill-cycle day − 1);
/// <c>defaultPaymentMethod</c> the kind of payment the account uses (no TMF670 resource behind it yet: no href).
/// </summary>
public sealed record BillingAccountResource
{
    public required string Id { get; init; }

    public required string Href { get; init; }

    public required string Name { get; init; }

    public required string AccountType { get; init; }

    public required string State { get; init; }

    public required DateTimeOffset LastModified { get; init; }

    public required IReadOnlyList<PartyRef> RelatedParty { get; init; }

    public required BillStructure BillStructure { get; init; }

    public required PaymentMethodRef DefaultPaymentMethod { get; init; }

    [JsonPropertyName("@type")]
    public string Type { get; init; } = "BillingAccount";
}

/// <summary>TMF666 BillStructure (the cycle only).</summary>
public sealed record BillStructure(BillingCycleSpecification CycleSpecification);

/// <summary>TMF666 BillingCycleSpecificationRefOrValue (by value).</summary>
public sealed record BillingCycleSpecification(string Name, string Frequency, int BillingDateShift);

/// <summary>TMF666 PaymentMethodRef (id = the payment kind: online, cash, bank_transfer, direct_debit, card).</summary>
public sealed record PaymentMethodRef(string Id, string Name, [property: JsonPropertyName("@referredType")] string ReferredType = "PaymentMethod");
