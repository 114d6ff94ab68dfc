using CableHub.Core.Api.Access;
using CableHub.Core.Ports;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Customers;

/// <summary>Which customer a communication message was for (a subscriber reaches only their own messages).</summary>
internal sealed class CommunicationMessageOwners(IServiceProvider services) : IResourceOwnerResolver
{
    public string Kind => OwnedKinds.CommunicationMessage;

    public async Task<Guid?> OwnerAsync(string id, CancellationToken ct) =>
        Guid.TryParse(id, out var messageId) && services.GetService<ICommunicationLog>() is { } log
            && await log.GetAsync(messageId, ct).ConfigureAwait(false) is { CustomerId: { } customer } && Guid.TryParse(customer, out var owner)
            ? owner
            : null;
}
