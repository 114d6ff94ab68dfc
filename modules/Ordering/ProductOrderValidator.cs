using System.Globalization;
using System.Net.Mail;
using CableHub.Catalog.Contracts;
using CableHub.Customers.Contracts;
using CableHub.Ordering.Api;

namespace CableHub.Ordering;

/// <summary>
/// Turns a TMF622 productOrder request into <see cref="PlaceProductOrder"/>, or into errors keyed by the
/// JSON path of the offending field (e.g. <c>productOrderItem[0].productOffering.id</c>).
/// </summary>
public sealed class ProductOrderValidator(IPlanCatalog catalog, TimeProvider clock)
{
    public async Task<(PlaceProductOrder? Order, Dictionary<string, string[]> Errors)> ValidateAsync(
        ProductOrderCreate request, string correlationId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Fail(string path, string message)
        {
            if (!errors.TryGetValue(path, out var list))
            {
                errors[path] = list = [];
            }

            list.Add(message);
        }

        if (request.ExternalId is { Length: > 100 })
        {
            Fail("externalId", "must be at most 100 characters");
        }

        // --- productOrderItem: exactly one item adding one plan
        PlanSummary? plan = null;
        string itemId = "1";
        var items = request.ProductOrderItem;
        if (items is null || items.Count == 0)
        {
            Fail("productOrderItem", "is required: one item with the productOffering (plan) to order");
        }
        else if (items.Count > 1)
        {
            Fail("productOrderItem", $"has {items.Count} items; one plan per order is supported");
        }
        else
        {
            var item = items[0];
            itemId = string.IsNullOrWhiteSpace(item.Id) ? "1" : item.Id;
            if (item.Action is { } action && !string.Equals(action, "add", StringComparison.Ordinal))
            {
                Fail("productOrderItem[0].action", $"'{action}' is not supported for a new customer; use 'add'");
            }

            if (item.Quantity is { } q && q != 1)
            {
                Fail("productOrderItem[0].quantity", "must be 1");
            }

            var offeringId = item.ProductOffering?.Id;
            if (string.IsNullOrWhiteSpace(offeringId))
            {
                Fail("productOrderItem[0].productOffering.id", "is required: the id or code of a product offering (plan)");
            }
            else
            {
                plan = await catalog.FindPlanAsync(offeringId, ct).ConfigureAwait(false);
                if (plan is null)
                {
                    Fail("productOrderItem[0].productOffering.id", $"unknown product offering '{offeringId}'");
                }
                else if (!plan.IsSellable)
                {
                    Fail("productOrderItem[0].productOffering.id", $"product offering '{plan.Code}' is {plan.Status} and cannot be ordered");
                }
            }
        }

        // --- relatedParty: the new customer (TMF632 Individual inline)
        NewCustomer? customer = null;
        var parties = request.RelatedParty ?? [];
        var customerIndexes = parties.Select((p, i) => (p, i)).Where(x => string.Equals(x.p.Role, "Customer", StringComparison.OrdinalIgnoreCase)).ToList();
        if (customerIndexes.Count != 1)
        {
            Fail("relatedParty", customerIndexes.Count == 0
                ? "is required: one party with role 'Customer' (@type 'Individual', givenName, familyName, contactMedium)"
                : "must contain exactly one party with role 'Customer'");
        }
        else
        {
            var (party, index) = customerIndexes[0];
            var at = $"relatedParty[{index}]";
            if (!string.IsNullOrWhiteSpace(party.Id))
            {
                Fail($"{at}.id", "existing customers order through their account; this endpoint onboards a new customer (leave id empty)");
            }

            var given = Required(party.GivenName, $"{at}.givenName", 100, Fail);
            var family = Required(party.FamilyName, $"{at}.familyName", 100, Fail);
            DateOnly? birth = null;
            if (!string.IsNullOrWhiteSpace(party.BirthDate))
            {
                if (!TryParseDate(party.BirthDate, out var b))
                {
                    Fail($"{at}.birthDate", $"'{party.BirthDate}' is not a date (yyyy-MM-dd)");
                }
                else if (b > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime))
                {
                    Fail($"{at}.birthDate", "is in the future");
                }
                else
                {
                    birth = b;
                }
            }

            string? email = null, phone = null;
            PostalAddress? address = null;
            var media = party.ContactMedium ?? [];
            for (var m = 0; m < media.Count; m++)
            {
                var medium = media[m];
                var mat = $"{at}.contactMedium[{m}]";
                var c = medium.Characteristic;
                switch (medium.MediumType?.ToUpperInvariant())
                {
                    case "EMAIL":
                        if (string.IsNullOrWhiteSpace(c?.EmailAddress) || !MailAddress.TryCreate(c.EmailAddress.Trim(), out var parsed) || parsed.Address != c.EmailAddress.Trim())
                        {
                            Fail($"{mat}.characteristic.emailAddress", $"'{c?.EmailAddress}' is not an e-mail address");
                        }
                        else
                        {
                            email = c.EmailAddress.Trim();
                        }

                        break;
                    case "MOBILE" or "PHONE" or "TELEPHONE":
                        var digits = c?.PhoneNumber?.Count(char.IsDigit) ?? 0;
                        if (c?.PhoneNumber is null || digits < 7 || digits > 15 || c.PhoneNumber.Any(ch => !(char.IsDigit(ch) || ch is '+' or ' ' or '-' or '(' or ')')))
                        {
                            Fail($"{mat}.characteristic.phoneNumber", $"'{c?.PhoneNumber}' is not a phone number (7 to 15 digits, optional +)");
                        }
                        else
                        {
                            phone = c.PhoneNumber.Trim();
                        }

                        break;
                    case "POSTALADDRESS" or "POSTAL_ADDRESS":
                        var street = Required(c?.Street1, $"{mat}.characteristic.street1", 200, Fail);
                        var city = Required(c?.City, $"{mat}.characteristic.city", 100, Fail);
                        var country = c?.Country?.Trim().ToUpperInvariant();
                        if (country is null || country.Length != 2 || !country.All(char.IsAsciiLetterUpper))
                        {
                            Fail($"{mat}.characteristic.country", $"'{c?.Country}' is not an ISO 3166-1 alpha-2 country code");
                        }
                        else if (street is not null && city is not null)
                        {
                            address = new PostalAddress(street, city, c!.PostCode?.Trim() ?? "", c.StateOrProvince?.Trim(), country);
                        }

                        break;
                    default:
                        Fail($"{mat}.mediumType", $"'{medium.MediumType}' is not one of email, mobile, postalAddress");
                        break;
                }
            }

            if (email is null && phone is null && !errors.Keys.Any(k => k.StartsWith($"{at}.contactMedium", StringComparison.Ordinal)))
            {
                Fail($"{at}.contactMedium", "needs an e-mail address or a phone number");
            }

            if (given is not null && family is not null)
            {
                customer = new NewCustomer(given, family, birth, email, phone, address, party.PreferredLanguage ?? "en");
            }
        }

        // --- billingAccount preferences
        var account = request.BillingAccount;
        if (account?.Id is { Length: > 0 })
        {
            Fail("billingAccount.id", "a new customer gets a new billing account; leave id empty");
        }

        var method = account?.PaymentMethod ?? "online";
        if (!PaymentMethods.All.Contains(method, StringComparer.Ordinal))
        {
            Fail("billingAccount.paymentMethod", $"'{method}' is not one of {string.Join(", ", PaymentMethods.All)}");
        }

        var cycleDay = account?.BillCycleDay ?? Math.Min(clock.GetUtcNow().Day, 28);
        if (cycleDay is < 1 or > 28)
        {
            Fail("billingAccount.billCycleDay", $"{cycleDay} is outside 1..28");
        }

        if (plan is not null && account?.Currency is { } currency && !string.Equals(currency, plan.Price.Currency, StringComparison.OrdinalIgnoreCase))
        {
            Fail("billingAccount.currency", $"'{currency}' differs from the plan's currency {plan.Price.Currency}");
        }

        if (errors.Count > 0 || plan is null || customer is null)
        {
            return (null, errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal));
        }

        var channel = request.Channel?.FirstOrDefault()?.Name ?? "api";
        return (new PlaceProductOrder(request.ExternalId, customer, plan.Id, itemId, plan.Price.Currency, method, cycleDay, correlationId, channel), []);
    }

    private static bool TryParseDate(string text, out DateOnly date)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var instant))
        {
            date = DateOnly.FromDateTime(instant.UtcDateTime);
            return true;
        }

        return false;
    }

    private static string? Required(string? value, string path, int maxLength, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            fail(path, "is required");
            return null;
        }

        if (value.Trim().Length > maxLength)
        {
            fail(path, $"must be at most {maxLength} characters");
            return null;
        }

        return value.Trim();
    }
}
