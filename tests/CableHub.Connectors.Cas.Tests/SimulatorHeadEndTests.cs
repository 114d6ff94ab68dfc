using CableHub.Connectors.Cas.Simulator;
using CableHub.Connectors.Common.Simulation;
using CableHub.Core.Ports;
using CableHub.Testing;
using Npgsql;

namespace CableHub.Connectors.Cas.Tests;

/// <summary>The simulated head-end in-process: what it accepts, refuses and holds.</summary>
[Collection(CasCollection.Name)]
public sealed class SimulatorHeadEndTests(PostgresFixture postgres) : IAsyncLifetime
{
    private SimulatedConditionalAccessSystem _cas = null!;
    private string _connectionString = "";

    public async ValueTask InitializeAsync() => (_cas, _connectionString) = await Cas.NewSimulatorAsync(postgres);

    public async ValueTask DisposeAsync() => await _cas.DisposeAsync();

    private static CasActivation Activation(string key, string box, string? card, params string[] products) => new(key, box, card, products, Cas.From, null);

    [Fact]
    public async Task Unknown_boxes_are_refused_until_registered()
    {
        var refused = await _cas.ActivateDeviceAsync(Activation("a1", "BOX-U", null, "P1"), default);
        refused.Accepted.ShouldBeFalse();
        refused.RejectionCode.ShouldBe(CasRejectionCodes.UnknownDevice);
        (await _cas.GetDeviceAsync("BOX-U", default)).ShouldBeNull();

        (await _cas.RegisterDevicesAsync([new("BOX-U", "SC-U"), new("BOX-V")])).ShouldBe(2);
        (await _cas.RegisterDevicesAsync([new("BOX-U", "SC-U")])).ShouldBe(0);
        var registered = (await _cas.GetDeviceAsync("BOX-U", default))!;
        registered.Status.ShouldBe(CasDeviceStatus.Inactive);
        registered.SmartCardNumber.ShouldBe("SC-U");

        (await _cas.ActivateDeviceAsync(Activation("a2", "BOX-U", "SC-U", "P1"), default)).Accepted.ShouldBeTrue();
        (await _cas.GetDeviceAsync("BOX-U", default))!.IsActive.ShouldBeTrue();
        // the refusal stays the answer to its key
        (await _cas.ActivateDeviceAsync(Activation("a1", "BOX-U", null, "P1"), default)).RejectionCode.ShouldBe(CasRejectionCodes.UnknownDevice);
    }

    [Fact]
    public async Task Products_are_added_with_validity_changed_and_removed()
    {
        await _cas.RegisterDevicesAsync([new("BOX-P")]);
        await _cas.ActivateDeviceAsync(Activation("p0", "BOX-P", null, "BASE"), default);
        var until = Cas.From.AddMonths(1);

        (await _cas.AddProductsAsync(new CasProductGrant("p1", CasTarget.Box("BOX-P"),
            [new("SPORTS", Cas.From, until), new("MOVIES", Cas.From, null)]), default)).Accepted.ShouldBeTrue();
        var held = (await _cas.GetDeviceAsync("BOX-P", default))!.Products;
        held.Select(p => p.ProductId).ShouldBe(["BASE", "MOVIES", "SPORTS"]);
        held.Single(p => p.ProductId == "SPORTS").ValidTo.ShouldBe(until);
        held.Single(p => p.ProductId == "MOVIES").ValidTo.ShouldBeNull();

        var extended = until.AddMonths(1);
        (await _cas.AddProductsAsync(new CasProductGrant("p2", CasTarget.Box("BOX-P"), [new("SPORTS", Cas.From, extended)]), default)).Accepted.ShouldBeTrue();
        (await _cas.GetDeviceAsync("BOX-P", default))!.Products.Single(p => p.ProductId == "SPORTS").ValidTo.ShouldBe(extended);

        (await _cas.RemoveProductsAsync(new CasProductRevocation("p3", CasTarget.Box("BOX-P"), ["SPORTS", "NEVER-HELD"]), default)).Accepted.ShouldBeTrue();
        (await _cas.GetDeviceAsync("BOX-P", default))!.Products.Select(p => p.ProductId).ShouldBe(["BASE", "MOVIES"]);

        var backwards = await _cas.AddProductsAsync(new CasProductGrant("p4", CasTarget.Box("BOX-P"), [new("X", Cas.From, Cas.From.AddDays(-1))]), default);
        backwards.RejectionCode.ShouldBe(CasRejectionCodes.InvalidCommand);
        backwards.RejectionReason.ShouldBe("validity of X ends before it starts");
    }

    [Fact]
    public async Task Products_need_an_active_box_and_a_smart_card_target_reaches_its_box()
    {
        await _cas.RegisterDevicesAsync([new("BOX-S", "SC-S")]);
        var inactive = await _cas.AddProductsAsync(new CasProductGrant("s1", CasTarget.Box("BOX-S"), [new("P1", Cas.From, null)]), default);
        inactive.RejectionCode.ShouldBe(CasRejectionCodes.DeviceNotActive);

        await _cas.ActivateDeviceAsync(Activation("s2", "BOX-S", "SC-S", "BASE"), default);
        (await _cas.AddProductsAsync(new CasProductGrant("s3", CasTarget.SmartCard("SC-S"), [new("P1", Cas.From, null)]), default)).Accepted.ShouldBeTrue();
        (await _cas.GetDeviceAsync("BOX-S", default))!.Products.Select(p => p.ProductId).ShouldBe(["BASE", "P1"]);

        var unknownCard = await _cas.AddProductsAsync(new CasProductGrant("s4", CasTarget.SmartCard("SC-NONE"), [new("P1", Cas.From, null)]), default);
        unknownCard.RejectionCode.ShouldBe(CasRejectionCodes.UnknownSmartCard);
        var log = await _cas.CommandLogAsync("SC-S");
        log.ShouldHaveSingleItem().TargetKind.ShouldBe("smart_card");
    }

    [Fact]
    public async Task A_card_pairs_with_one_box_and_unpairing_is_safe_to_repeat()
    {
        await _cas.RegisterDevicesAsync([new("BOX-1"), new("BOX-2")]);

        (await _cas.PairAsync(new CasPairing("c1", "BOX-1", "SC-9"), default)).Accepted.ShouldBeTrue();
        var box1 = (await _cas.GetDeviceAsync("BOX-1", default))!;
        box1.SmartCardNumber.ShouldBe("SC-9");
        box1.PairedAt.ShouldNotBeNull();

        var elsewhere = await _cas.PairAsync(new CasPairing("c2", "BOX-2", "SC-9"), default);
        elsewhere.RejectionCode.ShouldBe(CasRejectionCodes.SmartCardPairedElsewhere);
        elsewhere.RejectionReason.ShouldBe("smart card SC-9 is paired with device BOX-1");

        (await _cas.UnpairAsync(new CasPairing("c3", "BOX-1", "SC-9"), default)).Accepted.ShouldBeTrue();
        (await _cas.UnpairAsync(new CasPairing("c4", "BOX-1", "SC-9"), default)).Accepted.ShouldBeTrue();
        (await _cas.GetDeviceAsync("BOX-1", default))!.SmartCardNumber.ShouldBeNull();
        (await _cas.PairAsync(new CasPairing("c5", "BOX-2", "SC-9"), default)).Accepted.ShouldBeTrue();
        (await _cas.GetDeviceAsync("BOX-2", default))!.SmartCardNumber.ShouldBe("SC-9");
    }

    [Fact]
    public async Task Messages_and_forced_tunes_reach_active_boxes_only()
    {
        await _cas.RegisterDevicesAsync([new("BOX-M"), new("BOX-OFF")]);
        await _cas.ActivateDeviceAsync(Activation("m0", "BOX-M", null, "BASE"), default);

        (await _cas.SendOnScreenMessageAsync(new CasOnScreenMessage("m1", CasTarget.Box("BOX-M"), "Your bill is due", TimeSpan.FromSeconds(30), CasMessagePriority.High), default))
            .Accepted.ShouldBeTrue();
        (await _cas.ForceTuneAsync(new CasForcedTune("m2", CasTarget.Box("BOX-M"), "SID-1001", TimeSpan.FromMinutes(5)), default)).Accepted.ShouldBeTrue();
        var shown = await _cas.ScreenCommandsAsync("BOX-M");
        shown.Select(s => (s.Kind, s.Text, s.Priority, s.ServiceId)).ShouldBe(
            [("osd_message", "Your bill is due", "high", null), ("force_tune", null, null, "SID-1001")]);
        (shown[0].EndsAt - shown[0].StartsAt).ShouldBe(TimeSpan.FromSeconds(30));

        (await _cas.SendOnScreenMessageAsync(new CasOnScreenMessage("m3", CasTarget.Box("BOX-OFF"), "hello", TimeSpan.FromSeconds(5)), default))
            .RejectionCode.ShouldBe(CasRejectionCodes.DeviceNotActive);
        (await _cas.SendOnScreenMessageAsync(new CasOnScreenMessage("m4", CasTarget.Box("BOX-M"), "", TimeSpan.FromSeconds(5)), default))
            .RejectionCode.ShouldBe(CasRejectionCodes.InvalidCommand);
    }

    [Fact]
    public async Task Every_box_is_listed_once_in_pages_and_changed_since_narrows_the_list()
    {
        var boxes = Enumerable.Range(0, 25).Select(i => new CasDeviceRegistration($"BOX-L{i:00}")).ToList();
        await _cas.RegisterDevicesAsync(boxes);
        await _cas.ActivateDeviceAsync(Activation("l1", "BOX-L07", null, "P1"), default);

        var seen = new List<CasDeviceSnapshot>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await _cas.ListDevicesAsync(new CasDeviceListRequest(cursor, 10), default);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        pages.ShouldBe(3);
        seen.Select(s => s.CasDeviceId).ShouldBe(boxes.Select(b => b.CasDeviceId));
        seen.Single(s => s.CasDeviceId == "BOX-L07").Products.ShouldHaveSingleItem().ProductId.ShouldBe("P1");

        var changed = await _cas.ListDevicesAsync(new CasDeviceListRequest(null, 100, seen.Single(s => s.CasDeviceId == "BOX-L07").UpdatedAt), default);
        changed.Items.Select(s => s.CasDeviceId).ShouldContain("BOX-L07");
        changed.Items.Count.ShouldBeLessThan(25);
    }

    [Fact]
    public async Task Down_switch_refuses_everything_until_up_and_nothing_takes_effect()
    {
        await _cas.RegisterDevicesAsync([new("BOX-D")]);
        await _cas.DownAsync(TimeSpan.FromMinutes(2), "test outage", default);

        (await _cas.DownUntilAsync(default)).ShouldNotBeNull();
        await Should.ThrowAsync<CasUnavailableException>(() => _cas.ActivateDeviceAsync(Activation("d1", "BOX-D", null, "P1"), default));
        await Should.ThrowAsync<CasUnavailableException>(() => _cas.GetDeviceAsync("BOX-D", default));
        (await _cas.CommandLogAsync("BOX-D")).Where(c => c.Kind != CasCommandKind.Register).ShouldBeEmpty();

        await _cas.UpAsync(default);
        (await _cas.ActivateDeviceAsync(Activation("d1", "BOX-D", null, "P1"), default)).Accepted.ShouldBeTrue();
    }

    [Fact]
    public async Task Seeded_random_faults_repeat_and_never_apply_a_failed_command()
    {
        await _cas.RegisterDevicesAsync(Enumerable.Range(0, 40).Select(i => new CasDeviceRegistration($"BOX-R{i}")).ToList());
        async Task<List<bool>> RunAsync(string prefix)
        {
            _cas.Faults.RandomFaults.Configure(new SimulatorFaultSettings { Seed = 42, ErrorRate = 0.3 });
            var outcomes = new List<bool>();
            for (var i = 0; i < 20; i++)
            {
                try
                {
                    await _cas.ActivateDeviceAsync(Activation($"{prefix}{i}", $"BOX-R{(prefix == "x" ? i : i + 20)}", null, "P1"), default);
                    outcomes.Add(true);
                }
                catch (CasUnavailableException)
                {
                    outcomes.Add(false);
                }
            }

            return outcomes;
        }

        var first = await RunAsync("x");
        var second = await RunAsync("y");

        second.ShouldBe(first);
        first.Count(ok => !ok).ShouldBeInRange(2, 14);
        var applied = (await _cas.CommandLogAsync()).Count(c => c.Kind == CasCommandKind.Activate && c.Outcome == CasCommandOutcome.Applied);
        applied.ShouldBe(first.Count(ok => ok) * 2);
    }

    [Fact]
    public async Task Schema_versions_are_recorded_once()
    {
        await using var again = new SimulatedConditionalAccessSystem(new CasSimulatorOptions { ConnectionString = _connectionString });
        await again.EnsureSchemaAsync();

        await using var conn = new NpgsqlConnection(_connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT array_agg(version ORDER BY version) FROM cas_sim.schema_version", conn);
        ((int[])(await cmd.ExecuteScalarAsync())!).ShouldBe([1, 2]);
    }
}
