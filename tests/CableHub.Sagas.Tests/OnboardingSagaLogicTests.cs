using CableHub.Ordering.Contracts;
using CableHub.Sagas.Onboarding;
using Microsoft.Extensions.Logging.Abstractions;

namespace CableHub.Sagas.Tests;

/// <summary>The saga's decisions, without Wolverine, PostgreSQL or the CAS: handlers are plain methods.</summary>
public sealed class OnboardingSagaLogicTests
{
    private static readonly NullLogger<OnboardingSaga> Log = NullLogger<OnboardingSaga>.Instance;
    private readonly OnboardingOptions _options = new() { StepTimeout = TimeSpan.FromSeconds(90), MaxCompensationAttempts = 2 };
    private readonly ProductOrderAcknowledged _acknowledged = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));
    private readonly Guid _deviceId = Guid.NewGuid();

    private OnboardingSaga Started()
    {
        var saga = new OnboardingSaga();
        saga.Start(_acknowledged, _options, Log);
        return saga;
    }

    private OnboardingSaga Activating()
    {
        var saga = Started();
        saga.Handle(new StbReserved(saga.Id, _deviceId, "CA1", "SC1"), _options, Log);
        return saga;
    }

    [Fact]
    public void Start_reserves_a_box_under_a_timeout()
    {
        var saga = new OnboardingSaga();
        var (reserve, timeout) = saga.Start(_acknowledged, _options, Log);

        saga.Id.ShouldBe(_acknowledged.OrderId);
        saga.Stage.ShouldBe(OnboardingStage.Reserving);
        reserve.ShouldBe(new ReserveStb(_acknowledged.OrderId, _acknowledged.CustomerId));
        timeout.Stage.ShouldBe(OnboardingStage.Reserving);
        timeout.Step.ShouldBe(saga.Step);
        timeout.DelayTime.ShouldBe(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public void Reserved_box_is_activated_with_the_plan_from_the_order()
    {
        var saga = Started();

        var sent = saga.Handle(new StbReserved(saga.Id, _deviceId, "CA1", "SC1"), _options, Log).ToList();

        saga.Stage.ShouldBe(OnboardingStage.Activating);
        sent.OfType<ActivateStb>().ShouldHaveSingleItem()
            .ShouldBe(new ActivateStb(saga.Id, _deviceId, "CA1", "SC1", _acknowledged.PlanId, _acknowledged.At));
        sent.OfType<OnboardingStepTimedOut>().ShouldHaveSingleItem().Stage.ShouldBe(OnboardingStage.Activating);
    }

    [Fact]
    public void A_repeated_reply_is_ignored()
    {
        var saga = Activating();
        var step = saga.Step;

        saga.Handle(new StbReserved(saga.Id, Guid.NewGuid(), "CA2", null), _options, Log).ShouldBeEmpty();

        saga.DeviceId.ShouldBe(_deviceId);
        saga.Step.ShouldBe(step);
        saga.Stage.ShouldBe(OnboardingStage.Activating);
    }

    [Fact]
    public void Activation_leads_to_completion_and_completion_finishes_the_saga()
    {
        var saga = Activating();

        var sent = saga.Handle(new StbActivated(saga.Id, _deviceId, "SIM-1"), _options, Log).ToList();
        sent.OfType<CompleteOnboarding>().ShouldHaveSingleItem()
            .ShouldBe(new CompleteOnboarding(saga.Id, _acknowledged.CustomerId, _acknowledged.BillingAccountId, _acknowledged.PlanId, _deviceId));
        saga.Stage.ShouldBe(OnboardingStage.Completing);

        saga.Handle(new OnboardingCompleted(saga.Id), Log);
        saga.IsCompleted().ShouldBeTrue();
    }

    [Fact]
    public void CAS_refusal_compensates_without_deactivating()
    {
        var saga = Activating();

        var sent = saga.Handle(new StbActivationRejected(saga.Id, _deviceId, "smart card blacklisted"), _options, Log).ToList();

        saga.Stage.ShouldBe(OnboardingStage.Compensating);
        sent.OfType<CompensateOnboarding>().ShouldHaveSingleItem()
            .ShouldBe(new CompensateOnboarding(saga.Id, _deviceId, "CA1", "smart card blacklisted", DeactivateOnCas: false));
        saga.Handle(new OnboardingCompensated(saga.Id), Log);
        saga.IsCompleted().ShouldBeTrue();
    }

    [Fact]
    public void No_stock_finishes_the_saga()
    {
        var saga = Started();
        saga.Handle(new StbReservationFailed(saga.Id, "no set-top box in stock"), Log);
        saga.IsCompleted().ShouldBeTrue();
        saga.FailureReason.ShouldBe("no set-top box in stock");
    }

    [Theory]
    [InlineData(OnboardingStage.Reserving, "timed out waiting for a set-top box reservation", false)]
    [InlineData(OnboardingStage.Activating, "timed out waiting for the CAS to activate the set-top box", true)]
    [InlineData(OnboardingStage.Completing, "timed out waiting for the order to complete", true)]
    public void Timed_out_step_is_compensated(OnboardingStage stage, string reason, bool deactivate)
    {
        var saga = Started();
        if (stage >= OnboardingStage.Activating)
        {
            saga.Handle(new StbReserved(saga.Id, _deviceId, "CA1", null), _options, Log);
        }

        if (stage >= OnboardingStage.Completing)
        {
            saga.Handle(new StbActivated(saga.Id, _deviceId, "SIM-1"), _options, Log);
        }

        saga.Stage.ShouldBe(stage);
        var sent = saga.Handle(new OnboardingStepTimedOut(saga.Id, stage, saga.Step, _options.StepTimeout), _options, Log).ToList();

        var compensate = sent.OfType<CompensateOnboarding>().ShouldHaveSingleItem();
        compensate.Reason.ShouldBe(reason);
        compensate.DeactivateOnCas.ShouldBe(deactivate);
        compensate.DeviceId.ShouldBe(stage == OnboardingStage.Reserving ? null : _deviceId);
        saga.Stage.ShouldBe(OnboardingStage.Compensating);
        sent.OfType<OnboardingStepTimedOut>().ShouldHaveSingleItem().Stage.ShouldBe(OnboardingStage.Compensating);
    }

    [Fact]
    public void Timeout_of_a_finished_step_is_ignored()
    {
        var saga = Started();
        var reservingStep = saga.Step;
        saga.Handle(new StbReserved(saga.Id, _deviceId, "CA1", null), _options, Log);

        saga.Handle(new OnboardingStepTimedOut(saga.Id, OnboardingStage.Reserving, reservingStep, _options.StepTimeout), _options, Log).ShouldBeEmpty();
        saga.Stage.ShouldBe(OnboardingStage.Activating);
    }

    [Fact]
    public void Late_activation_after_a_timeout_does_not_complete_the_order()
    {
        var saga = Activating();
        saga.Handle(new OnboardingStepTimedOut(saga.Id, OnboardingStage.Activating, saga.Step, _options.StepTimeout), _options, Log);

        saga.Handle(new StbActivated(saga.Id, _deviceId, "SIM-1"), _options, Log).ShouldBeEmpty();
        saga.Stage.ShouldBe(OnboardingStage.Compensating);
    }

    [Fact]
    public void Stuck_compensation_is_retried_then_keeps_the_box_then_gives_up()
    {
        var saga = Activating();
        saga.Handle(new OnboardingStepTimedOut(saga.Id, OnboardingStage.Activating, saga.Step, _options.StepTimeout), _options, Log);
        saga.CompensationAttempts.ShouldBe(1);

        var retry = saga.Handle(new OnboardingStepTimedOut(saga.Id, OnboardingStage.Compensating, saga.Step, _options.StepTimeout), _options, Log).ToList();
        retry.OfType<CompensateOnboarding>().ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            c => c.DeactivateOnCas.ShouldBeTrue(),
            c => c.KeepDevice.ShouldBeFalse());
        saga.CompensationAttempts.ShouldBe(2);

        var keep = saga.Handle(new OnboardingStepTimedOut(saga.Id, OnboardingStage.Compensating, saga.Step, _options.StepTimeout), _options, Log).ToList();
        keep.OfType<CompensateOnboarding>().ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            c => c.DeactivateOnCas.ShouldBeFalse(),
            c => c.KeepDevice.ShouldBeTrue(),
            c => c.Reason.ShouldStartWith("timed out waiting for the CAS to activate the set-top box"));
        saga.IsCompleted().ShouldBeFalse();

        saga.Handle(new OnboardingStepTimedOut(saga.Id, OnboardingStage.Compensating, saga.Step, _options.StepTimeout), _options, Log).ShouldBeEmpty();
        saga.IsCompleted().ShouldBeTrue();
    }

    [Fact]
    public void Completion_that_wins_over_a_compensation_finishes_the_saga()
    {
        var saga = Activating();
        saga.Handle(new StbActivated(saga.Id, _deviceId, "SIM-1"), _options, Log);
        saga.Handle(new OnboardingStepTimedOut(saga.Id, OnboardingStage.Completing, saga.Step, _options.StepTimeout), _options, Log);
        saga.Stage.ShouldBe(OnboardingStage.Compensating);

        saga.Handle(new OnboardingCompleted(saga.Id), Log);
        saga.IsCompleted().ShouldBeTrue();
    }

    [Fact]
    public void Idempotency_keys_depend_only_on_order_and_box()
    {
        var order = Guid.NewGuid();
        OnboardingKeys.Activation(order, _deviceId).ShouldBe(OnboardingKeys.Activation(order, _deviceId));
        OnboardingKeys.Activation(order, _deviceId).ShouldNotBe(OnboardingKeys.Activation(order, Guid.NewGuid()));
        OnboardingKeys.Activation(order, _deviceId).ShouldNotBe(OnboardingKeys.Deactivation(order, _deviceId));
    }
}
