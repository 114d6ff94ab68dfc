using CableHub.Pipelines.Cdc.Delivery;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

public sealed class AcknowledgementGateTests
{
    [Fact]
    public void Broker_mode_advances_only_over_fully_delivered_transactions_in_commit_order()
    {
        var gate = new AcknowledgementGate(AcknowledgementMode.Broker);
        var s = gate.StartSession();
        gate.Begin(100, s).ShouldBeTrue();
        Produce(gate, 2);
        gate.Complete(100, 110, 2, s);
        gate.Begin(200, s).ShouldBeTrue();
        Produce(gate, 1);
        gate.Complete(200, 210, 1, s);

        gate.Delivered(200, s, success: true);
        gate.SafeLsn.ShouldBe(0UL); // 100 not delivered yet
        gate.Delivered(100, s, success: true);
        gate.SafeLsn.ShouldBe(0UL);
        gate.Delivered(100, s, success: true);
        gate.SafeLsn.ShouldBe(210UL);
        gate.SafeCommitLsn.ShouldBe(200UL);
        gate.InFlight.ShouldBe(0);
        gate.Pending.ShouldBe(0);
    }

    [Fact]
    public void A_transaction_is_not_safe_before_its_commit_was_read()
    {
        var gate = new AcknowledgementGate(AcknowledgementMode.Broker);
        var s = gate.StartSession();
        gate.Begin(100, s);
        Produce(gate, 1);
        gate.Delivered(100, s, true);
        gate.SafeLsn.ShouldBe(0UL); // more events of the transaction may follow
        gate.Complete(100, 120, 1, s);
        gate.SafeLsn.ShouldBe(120UL);
    }

    [Fact]
    public void Empty_transactions_heartbeats_are_safe_at_once_behind_the_others()
    {
        var gate = new AcknowledgementGate(AcknowledgementMode.Sink);
        var s = gate.StartSession();
        gate.Begin(100, s);
        Produce(gate, 1);
        gate.Complete(100, 110, 1, s);
        gate.Begin(300, s);
        gate.Complete(300, 310, 0, s);
        gate.Delivered(100, s, true);
        gate.SafeLsn.ShouldBe(0UL);
        gate.Acknowledge(100, 1);
        gate.SafeLsn.ShouldBe(310UL);
    }

    [Fact]
    public void Sink_mode_needs_every_delivered_copy_acknowledged_including_copies_of_an_earlier_session()
    {
        var gate = new AcknowledgementGate(AcknowledgementMode.Sink);
        var first = gate.StartSession();
        gate.Begin(100, first);
        Produce(gate, 2);
        gate.Delivered(100, first, true);
        gate.Delivered(100, first, true); // two of three events delivered, then the session fails

        var second = gate.StartSession();
        gate.Begin(100, second).ShouldBeTrue();
        Produce(gate, 3);
        gate.Complete(100, 110, 3, second);
        for (var i = 0; i < 3; i++)
        {
            gate.Delivered(100, second, true);
        }

        // the sink has the two old copies and two of the three new ones: 4 acknowledgements ≥ 3 expected, yet not safe
        gate.Acknowledge(100, 2);
        gate.Acknowledge(100, 2);
        gate.SafeLsn.ShouldBe(0UL);
        gate.Acknowledge(100, 1);
        gate.SafeLsn.ShouldBe(110UL);
    }

    [Fact]
    public void A_replayed_transaction_already_safe_is_not_produced_again_and_unknown_acknowledgements_are_ignored()
    {
        var gate = new AcknowledgementGate(AcknowledgementMode.Sink);
        var s = gate.StartSession();
        gate.Acknowledge(50, 10); // nothing produced with this commit LSN in this process
        gate.Begin(100, s);
        Produce(gate, 1);
        gate.Complete(100, 110, 1, s);
        gate.Delivered(100, s, true);
        gate.Acknowledge(100, 1);
        gate.SafeLsn.ShouldBe(110UL);

        var again = gate.StartSession();
        gate.Begin(100, again).ShouldBeFalse();
        gate.Begin(200, again).ShouldBeTrue();
    }

    [Fact]
    public void A_failed_delivery_faults_the_session_only()
    {
        var gate = new AcknowledgementGate(AcknowledgementMode.Broker);
        var s = gate.StartSession();
        gate.Begin(100, s);
        Produce(gate, 1);
        gate.Delivered(100, s, success: false);
        gate.Fail(s, new InvalidOperationException("broker down"));
        Should.Throw<CdcDeliveryException>(() => gate.ThrowIfFaulted(s)).InnerException!.Message.ShouldBe("broker down");
        var next = gate.StartSession();
        Should.NotThrow(() => gate.ThrowIfFaulted(next));
        gate.InFlight.ShouldBe(0);
    }

    [Fact]
    public void Sink_acknowledgement_age_is_reported_for_the_oldest_delivered_transaction()
    {
        var time = new ManualTime();
        var gate = new AcknowledgementGate(AcknowledgementMode.Sink, time);
        var s = gate.StartSession();
        gate.Begin(100, s);
        Produce(gate, 1);
        gate.Complete(100, 110, 1, s);
        gate.OldestUnacknowledgedAge().ShouldBeNull(); // not even delivered
        gate.Delivered(100, s, true);
        time.Advance(TimeSpan.FromMinutes(3));
        gate.OldestUnacknowledgedAge().ShouldBe(TimeSpan.FromMinutes(3));
        gate.InFlight.ShouldBe(1);
        gate.Acknowledge(100, 1);
        gate.OldestUnacknowledgedAge().ShouldBeNull();
        gate.InFlight.ShouldBe(0);
    }

    private static void Produce(AcknowledgementGate gate, int events)
    {
        for (var i = 0; i < events; i++)
        {
            gate.Produced();
        }
    }

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
