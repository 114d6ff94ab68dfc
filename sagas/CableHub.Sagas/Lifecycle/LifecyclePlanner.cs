using CableHub.Ordering.Contracts;
using CableHub.Subscriptions.Contracts;

namespace CableHub.Sagas.Lifecycle;

/// <summary>What a change does to the hub and to the CAS, decided from what the apply step read (pure, tested without infrastructure).</summary>
/// <param name="DesiredChannels">the box's channels after the change (plan and add-on changes)</param>
/// <param name="Ops">the CAS commands, in order: only the delta (products added before products removed)</param>
/// <param name="NewPlanId">the plan after the change</param>
public sealed record LifecyclePlan(IReadOnlyList<Guid> DesiredChannels, IReadOnlyList<LifecycleCasOp> Ops, Guid NewPlanId);

public static class LifecyclePlanner
{
    /// <summary>Why the subscription's state does not allow the change now (null: it does).</summary>
    public static string? Refusal(string action, SubscriptionDetail subscription, string? offeringKind, Guid? offeringId)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var live = subscription.Status is SubscriptionStatus.Active or SubscriptionStatus.Suspended;
        if (!live)
        {
            return $"the subscription is {subscription.Status}";
        }

        if (subscription.DeviceId is null)
        {
            return "the subscription has no box";
        }

        var held = subscription.AddOns.Any(a => a.ValidTo is null && a.Kind == offeringKind && a.OfferingId == offeringId);
        return action switch
        {
            SubscriptionChangeAction.Suspend or LifecycleAction.SwapDevice when subscription.Status != SubscriptionStatus.Active => "the subscription is not active",
            SubscriptionChangeAction.Restore when subscription.Status != SubscriptionStatus.Suspended => "the subscription is not suspended",
            SubscriptionChangeAction.ChangePlan or SubscriptionChangeAction.AddOffering or SubscriptionChangeAction.RemoveOffering
                when subscription.Status == SubscriptionStatus.Suspended => "the subscription is suspended",
            SubscriptionChangeAction.AddOffering when held => $"the {offeringKind} is already held",
            SubscriptionChangeAction.RemoveOffering when !held => $"the {offeringKind} is not held",
            _ => null,
        };
    }

    /// <summary>
    /// The plan of a change. <paramref name="currentChannels"/>: the box's live entitlements; <paramref name="planChannels"/>: the
    /// channels of the plan after the change; <paramref name="addOnChannels"/>: the channels of each add-on held after the change;
    /// <paramref name="products"/>: CAS product of every channel named.
    /// </summary>
    public static LifecyclePlan Plan(Guid changeId, string action, Guid deviceId, string casDeviceId, Guid newPlanId, IReadOnlyCollection<Guid> currentChannels,
        IReadOnlyCollection<Guid> planChannels, IReadOnlyCollection<IReadOnlyCollection<Guid>> addOnChannels, IReadOnlyDictionary<Guid, string> products)
    {
        ArgumentNullException.ThrowIfNull(currentChannels);
        ArgumentNullException.ThrowIfNull(planChannels);
        ArgumentNullException.ThrowIfNull(addOnChannels);
        ArgumentNullException.ThrowIfNull(products);
        string[] ProductsOf(IEnumerable<Guid> channels) => channels.Select(c => products.TryGetValue(c, out var p) ? p : null).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray();
        LifecycleCasOp Op(int seq, string op, string[] items) =>
            new(LifecycleOpLog.Key(changeId, seq, op, casDeviceId, false), changeId, seq, deviceId, casDeviceId, op, items, false, DateTimeOffset.MinValue, null, null, null);

        var current = ProductsOf(currentChannels);
        switch (action)
        {
            case SubscriptionChangeAction.Suspend:
                return new([.. currentChannels], current.Length == 0 ? [Op(2, LifecycleCasOp.Message, [])] : [Op(1, LifecycleCasOp.Remove, current), Op(2, LifecycleCasOp.Message, [])], newPlanId);
            case SubscriptionChangeAction.Restore:
                return new([.. currentChannels], current.Length == 0 ? [] : [Op(1, LifecycleCasOp.Add, current)], newPlanId);
            case SubscriptionChangeAction.Disconnect:
                return new([], [Op(1, LifecycleCasOp.Deactivate, current)], newPlanId);
        }

        var desiredChannels = planChannels.Concat(addOnChannels.SelectMany(c => c)).Distinct().Order().ToList();
        var desired = ProductsOf(desiredChannels);
        var add = desired.Except(current, StringComparer.Ordinal).ToArray();
        var remove = current.Except(desired, StringComparer.Ordinal).ToArray();
        var ops = new List<LifecycleCasOp>();
        if (add.Length > 0)
        {
            ops.Add(Op(1, LifecycleCasOp.Add, add));
        }

        if (remove.Length > 0)
        {
            ops.Add(Op(2, LifecycleCasOp.Remove, remove));
        }

        return new(desiredChannels, ops, newPlanId);
    }

    /// <summary>
    /// The plan of a box swap: the replacement box is activated (paired with its card) with the products the faulty box holds, THEN the
    /// faulty box is deactivated — the move of the entitlements. A refusal of the activation leaves the faulty box untouched and
    /// entitled; a refusal of the deactivation is compensated by deactivating the replacement (<see cref="Reverse"/>).
    /// </summary>
    public static LifecyclePlan PlanSwap(Guid changeId, Guid planId, SwapBox faulty, SwapBox replacement, IReadOnlyCollection<Guid> currentChannels,
        IReadOnlyDictionary<Guid, string> products)
    {
        ArgumentNullException.ThrowIfNull(faulty);
        ArgumentNullException.ThrowIfNull(replacement);
        ArgumentNullException.ThrowIfNull(currentChannels);
        ArgumentNullException.ThrowIfNull(products);
        var held = currentChannels.Select(c => products.TryGetValue(c, out var p) ? p : null).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray();
        LifecycleCasOp Op(int seq, string op, SwapBox box) =>
            new(LifecycleOpLog.Key(changeId, seq, op, box.CasDeviceId, false), changeId, seq, box.DeviceId, box.CasDeviceId, op, held, false, DateTimeOffset.MinValue, null, null, null)
            {
                SmartCard = box.SmartCard,
            };
        return new([.. currentChannels], [Op(1, LifecycleCasOp.Activate, replacement), Op(2, LifecycleCasOp.Deactivate, faulty)], planId);
    }

    /// <summary>The commands that undo <paramref name="done"/> (reverse order; a message needs no undo; a deactivation is undone by re-activating with the products it removed).</summary>
    public static IReadOnlyList<LifecycleCasOp> Reverse(Guid changeId, IReadOnlyList<LifecycleCasOp> done)
    {
        ArgumentNullException.ThrowIfNull(done);
        return done.Where(o => o.MayHaveTakenEffect && o.Op != LifecycleCasOp.Message).OrderByDescending(o => o.Seq).Select(o =>
        {
            var op = o.Op switch
            {
                LifecycleCasOp.Add => LifecycleCasOp.Remove,
                LifecycleCasOp.Remove => LifecycleCasOp.Add,
                LifecycleCasOp.Deactivate => LifecycleCasOp.Activate,
                _ => LifecycleCasOp.Deactivate,
            };
            return o with
            {
                IdempotencyKey = LifecycleOpLog.Key(changeId, o.Seq, op, o.CasDeviceId, true), Op = op, Compensation = true, FinishedAt = null, Outcome = null, Reason = null,
            };
        }).ToList();
    }
}

/// <summary>A box of a swap: hub id, CAS id, paired smart card (CAS id) if any.</summary>
public sealed record SwapBox(Guid DeviceId, string CasDeviceId, string? SmartCard);
