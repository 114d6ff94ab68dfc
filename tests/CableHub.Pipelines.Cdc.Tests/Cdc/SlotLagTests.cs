using CableHub.Pipelines.Cdc.Delivery;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

/// <summary>The slot's lag in bytes and seconds: the tracker's arithmetic, and the reader measuring it against PostgreSQL.</summary>
[Collection("cdc")]
public sealed class SlotLagTests(CdcEnvironment env)
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_age_is_how_long_ago_the_WAL_reached_the_confirmed_position()
    {
        var tracker = new SlotLagTracker();
        tracker.Record(T0, walLsn: 1000, confirmedLsn: 1000).ShouldBe(new SlotLag(0, TimeSpan.Zero, false, 1000, 1000, T0));

        // The WAL moves on, the slot stays: the WAL was at (or past) the confirmed position 1 s, then 2 s ago.
        var lag = tracker.Record(T0.AddSeconds(1), 1500, 1000);
        (lag.Bytes, lag.Age, lag.AtLeast).ShouldBe((500UL, TimeSpan.FromSeconds(1), false));
        lag = tracker.Record(T0.AddSeconds(2), 2500, 1000);
        (lag.Bytes, lag.Age).ShouldBe((1500UL, TimeSpan.FromSeconds(2)));

        // The slot reaches 1500 (where the WAL was at +1 s): 2 s behind at +3 s.
        lag = tracker.Record(T0.AddSeconds(3), 2600, 1500);
        (lag.Bytes, lag.Age).ShouldBe((1100UL, TimeSpan.FromSeconds(2)));

        // Between two samples: no older than the later one (not overstated).
        lag = tracker.Record(T0.AddSeconds(4), 2600, 2000);
        (lag.Bytes, lag.Age).ShouldBe((600UL, TimeSpan.FromSeconds(2)));

        tracker.Record(T0.AddSeconds(5), 2600, 2600).Age.ShouldBe(TimeSpan.Zero);
        tracker.Current!.Bytes.ShouldBe(0UL);
    }

    [Fact]
    public void A_slot_behind_the_first_measurement_has_a_lower_bound_age()
    {
        var tracker = new SlotLagTracker();
        var lag = tracker.Record(T0, 5000, 1000);
        (lag.Bytes, lag.Age, lag.AtLeast).ShouldBe((4000UL, TimeSpan.Zero, true));
        lag = tracker.Record(T0.AddSeconds(10), 5000, 1000);
        (lag.Age, lag.AtLeast).ShouldBe((TimeSpan.FromSeconds(10), true));
    }

    [Fact]
    public async Task The_reader_reports_the_slot_lag_while_the_sink_holds_back_and_clears_it_after()
    {
        await using var s = await CdcScenario.CreateAsync(env, "CREATE TABLE hub.t (id int PRIMARY KEY);");
        var options = s.Options(AcknowledgementMode.Sink);
        options.SlotLagInterval = TimeSpan.FromMilliseconds(200);
        options.SlotLagWarning = TimeSpan.FromSeconds(2);
        var reader = await s.StartAsync(options);
        await s.ExecAsync("INSERT INTO hub.t VALUES (1)");
        var commit = s.Consume(1, TimeSpan.FromSeconds(60), "t").Single().Sequence.Commit;

        // Not acknowledged: the slot stays before the transaction while the WAL (heartbeats) moves on.
        string? problem = null;
        await DeliveryTests.WaitUntil(() => Task.FromResult(reader.Health(out problem) is var data && problem is not null && (long)data["slotLagBytes"] > 0));
        problem!.ShouldContain("behind the WAL");
        var behind = reader.SlotLag.Current!;
        behind.ConfirmedLsn.ShouldBeLessThanOrEqualTo(commit);
        behind.Age.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(2));
        (await s.ConfirmedFlushAsync()).ShouldBeLessThanOrEqualTo(commit);

        // Acknowledged: the slot passes it and the lag falls back.
        reader.Gate.Acknowledge(commit, 1);
        await DeliveryTests.WaitUntil(() => Task.FromResult(reader.Health(out problem) is not null && problem is null && reader.SlotLag.Current!.ConfirmedLsn > commit));
        reader.SlotLag.Current!.Age.ShouldBeLessThan(TimeSpan.FromSeconds(2));
    }
}
