using CableHub.Core.Ports;
using CableHub.Inventory.Contracts;
using CableHub.Ordering.Contracts;
using CableHub.Sagas.Onboarding;

namespace CableHub.Sagas.Tests;

/// <summary>The step decisions as pure functions: who may call the CAS for a box, and when a step must wait — no infrastructure.</summary>
public sealed class OnboardingStepsTests
{
    private static readonly Guid Order = Guid.NewGuid();
    private static readonly Guid Box = Guid.NewGuid();
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly ActivateStb Activate = new(Order, Box, "CAS-1", null, Guid.NewGuid(), Now);
    private static readonly StbState Reserved = new(Box, "reserved", Order, "CAS-1");

    private static CasCall Call(string kind, DateTimeOffset leaseUntil, string? outcome = null) =>
        new($"onboarding:{Order:N}:{kind}:{Box:N}", Order, Box, kind, 1, Now.AddSeconds(-5), leaseUntil, outcome is null ? null : Now, outcome, null, null);

    [Fact]
    public void Activation_calls_the_CAS_only_for_a_box_still_reserved_for_a_live_order()
    {
        OnboardingSteps.BeforeActivation(Activate, Reserved, ProductOrderState.InProgress, [], Now).Action.ShouldBe(StepAction.CallCas);
        OnboardingSteps.BeforeActivation(Activate, Reserved with { Status = "in_stock", ReservedFor = null }, ProductOrderState.InProgress, [], Now).Action.ShouldBe(StepAction.Skip);
        OnboardingSteps.BeforeActivation(Activate, Reserved, ProductOrderState.Failed, [], Now).Action.ShouldBe(StepAction.Skip);
        OnboardingSteps.BeforeActivation(Activate, null, ProductOrderState.InProgress, [], Now).Action.ShouldBe(StepAction.Skip);
    }

    [Fact]
    public void Activation_is_skipped_once_a_deactivation_started_and_waits_for_a_running_activation()
    {
        OnboardingSteps.BeforeActivation(Activate, Reserved, ProductOrderState.InProgress, [Call(CasCall.Deactivate, Now.AddSeconds(30))], Now)
            .Action.ShouldBe(StepAction.Skip);
        OnboardingSteps.BeforeActivation(Activate, Reserved, ProductOrderState.InProgress, [Call(CasCall.Activate, Now.AddSeconds(30))], Now)
            .Action.ShouldBe(StepAction.Wait);

        // A call whose process died is over once its lease ran out: the same key is sent again.
        OnboardingSteps.BeforeActivation(Activate, Reserved, ProductOrderState.InProgress, [Call(CasCall.Activate, Now.AddSeconds(-1))], Now)
            .Action.ShouldBe(StepAction.CallCas);
    }

    [Fact]
    public void Compensation_waits_for_a_running_activation_then_deactivates_once()
    {
        var compensate = new CompensateOnboarding(Order, Box, "CAS-1", "timed out", DeactivateOnCas: true);
        OnboardingSteps.BeforeCompensation(compensate, ownsBox: true, "CAS-1", ProductOrderState.InProgress, [Call(CasCall.Activate, Now.AddSeconds(10))], Now)
            .Action.ShouldBe(StepAction.Wait);
        OnboardingSteps.BeforeCompensation(compensate, ownsBox: true, "CAS-1", ProductOrderState.InProgress, [Call(CasCall.Activate, Now.AddSeconds(10), CasCall.Accepted)], Now)
            .Action.ShouldBe(StepAction.CallCas);
        OnboardingSteps.BeforeCompensation(compensate, ownsBox: true, "CAS-1", ProductOrderState.InProgress, [Call(CasCall.Deactivate, Now, CasCall.Accepted)], Now)
            .Action.ShouldBe(StepAction.Proceed, "an answered deactivation is not sent again");
        OnboardingSteps.BeforeCompensation(compensate, ownsBox: true, "CAS-1", ProductOrderState.Completed, [], Now)
            .Action.ShouldBe(StepAction.AlreadyCompleted);
        OnboardingSteps.BeforeCompensation(compensate with { DeactivateOnCas = false }, ownsBox: true, "CAS-1", ProductOrderState.InProgress, [], Now)
            .Action.ShouldBe(StepAction.Proceed);

        // Compensations of one order take turns: a later one (keep the box) waits for an earlier one's deactivation call.
        OnboardingSteps.BeforeCompensation(compensate with { DeactivateOnCas = false, KeepDevice = true }, ownsBox: true, "CAS-1", ProductOrderState.InProgress,
            [Call(CasCall.Deactivate, Now.AddSeconds(10))], Now).Action.ShouldBe(StepAction.Wait);
    }

    [Fact]
    public void Completion_waits_while_the_box_is_being_deactivated_for_a_live_order()
    {
        OnboardingSteps.CompletionMustWait(ProductOrderState.InProgress, [Call(CasCall.Deactivate, Now.AddSeconds(10))], Now).ShouldBeTrue();
        OnboardingSteps.CompletionMustWait(ProductOrderState.InProgress, [Call(CasCall.Deactivate, Now, CasCall.Accepted)], Now).ShouldBeTrue();
        OnboardingSteps.CompletionMustWait(ProductOrderState.Failed, [Call(CasCall.Deactivate, Now, CasCall.Accepted)], Now).ShouldBeFalse();
        OnboardingSteps.CompletionMustWait(ProductOrderState.InProgress, [Call(CasCall.Deactivate, Now, CasCall.Unavailable)], Now).ShouldBeFalse();
        OnboardingSteps.CompletionMustWait(ProductOrderState.InProgress, [Call(CasCall.Activate, Now, CasCall.Accepted)], Now).ShouldBeFalse();
    }

    [Fact]
    public void Replies_are_the_sagas_messages()
    {
        OnboardingSteps.AfterActivation(Activate, CasCommandResult.Ok("V-1")).ShouldBe(new StbActivated(Order, Box, "V-1"));
        OnboardingSteps.AfterActivation(Activate, CasCommandResult.Rejected("card blacklisted")).ShouldBe(new StbActivationRejected(Order, Box, "card blacklisted"));
        OnboardingSteps.AfterReservation(Order, null, Now).ShouldBe([new ProductOrderFailed(Order, OnboardingSteps.NoStockReason, Now), new StbReservationFailed(Order, OnboardingSteps.NoStockReason)]);
        OnboardingSteps.AfterCompensation(Order, "x", failedNow: false, Now).ShouldBe([new OnboardingCompensated(Order)]);
    }
}
