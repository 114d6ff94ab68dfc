using CableHub.Pipelines.Cdc.Delivery;
using NpgsqlTypes;

namespace CableHub.Pipelines.Cdc.Tests.Cdc;

/// <summary>
/// While the published tables are idle and other tables of the database write WAL, the reader's heartbeat
/// (<c>pg_logical_emit_message</c>) moves the slot's confirmed position past that WAL — so the slot does not pin it —
/// in both acknowledgement modes, and the heartbeats produce no change events.
/// </summary>
[Collection("cdc")]
public sealed class HeartbeatTests(CdcEnvironment env)
{
    [Theory]
    [InlineData(AcknowledgementMode.Broker)]
    [InlineData(AcknowledgementMode.Sink)]
    public async Task An_idle_capture_still_advances_the_slot_past_other_tables_WAL(AcknowledgementMode mode)
    {
        await using var s = await CdcScenario.CreateAsync(env, """
            CREATE TABLE hub.t (id int PRIMARY KEY);
            CREATE SCHEMA other;
            CREATE TABLE other.noise (id bigserial PRIMARY KEY, payload text);
            """);
        var options = s.Options(mode);
        options.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
        var reader = await s.StartAsync(options);
        var confirmedAtStart = await s.ConfirmedFlushAsync();

        // Only unpublished tables change: pgoutput sends nothing for them, yet WAL grows behind the slot.
        await s.ExecAsync("INSERT INTO other.noise (payload) SELECT repeat('x', 200) FROM generate_series(1, 20000)");
        var walAfterNoise = (ulong)NpgsqlLogSequenceNumber.Parse((await s.ScalarAsync<string>("SELECT pg_current_wal_insert_lsn()::text"))!);
        walAfterNoise.ShouldBeGreaterThan(confirmedAtStart);

        await DeliveryTests.WaitUntil(async () => await s.ConfirmedFlushAsync() >= walAfterNoise, TimeSpan.FromSeconds(60));
        reader.Stats.Events.ShouldBe(0); // heartbeats are not change events
        reader.Stats.Sessions.ShouldBe(1);
    }
}
