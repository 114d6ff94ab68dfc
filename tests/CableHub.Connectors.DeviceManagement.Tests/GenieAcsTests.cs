using System.Net;
using System.Text.Json.Nodes;
using CableHub.Connectors.Common.Resilience;
using CableHub.Connectors.Common.Simulation;
using CableHub.Connectors.DeviceManagement.GenieAcs;
using CableHub.Connectors.DeviceManagement.Simulator;
using CableHub.Core.Ports;
using CableHub.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CableHub.Connectors.DeviceManagement.Tests;

/// <summary>The GenieACS adapter over real HTTP against the simulator that speaks the GenieACS NBI.</summary>
public sealed class GenieAcsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualTime _time = new(Now);
    private GenieAcsSimulator _acs = null!;
    private ServiceProvider _services = null!;
    private IDeviceManagement _dm = null!;

    public async ValueTask InitializeAsync()
    {
        _acs = await GenieAcsSimulator.StartAsync(new StbPopulationSettings { Devices = 100, Seed = 11 },
            faults: new SimulatorFaultSettings { HangFor = TimeSpan.FromSeconds(6) }, loggerFactory: TestLogging.Factory, time: _time);
        _services = new ServiceCollection()
            .AddSingleton(TestLogging.Factory)
            .AddSingleton<TimeProvider>(_time)
            .AddGenieAcs(new GenieAcsOptions
            {
                BaseUrl = _acs.Address.ToString(),
                Resilience = new ConnectorResilienceOptions
                {
                    // a task post is not retried: give it room on a loaded machine
                    AttemptTimeout = TimeSpan.FromSeconds(3),
                    TotalTimeout = TimeSpan.FromSeconds(20),
                    MaxRetries = 3,
                    RetryBaseDelay = TimeSpan.FromMilliseconds(20),
                    MinimumThroughput = 4,
                    SamplingDuration = TimeSpan.FromSeconds(5),
                    // long enough that the second call still finds the circuit open on a loaded CI machine
                    BreakDuration = TimeSpan.FromSeconds(5),
                },
            })
            .BuildServiceProvider();
        _dm = _services.GetRequiredService<IDeviceManagement>();
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _acs.DisposeAsync();
    }

    private IConnectorHealth Health => _services.GetServices<IConnectorHealth>().Single();

    private SimulatedStb First(StbProfile profile) => _acs.Devices.First(d => d.Profile == profile);

    private static DeviceCommand Command(SimulatedStb stb, string key) => new(key, stb.Id);

    [Fact]
    public void The_seeded_population_has_every_kind_of_box_and_repeats()
    {
        var kinds = _acs.Devices.GroupBy(d => d.Profile).ToDictionary(g => g.Key, g => g.Count());

        kinds.Keys.ShouldBe([StbProfile.Healthy, StbProfile.WeakSignal, StbProfile.DecoderErrors, StbProfile.StuckFirmware, StbProfile.Offline], ignoreOrder: true);
        kinds[StbProfile.Healthy].ShouldBeGreaterThan(50);
        _acs.Devices.Count.ShouldBe(100);
    }

    [Fact]
    public async Task Devices_are_found_by_serial_firmware_and_last_contact()
    {
        var some = _acs.Devices.Take(3).Select(d => d.SerialNumber).ToList();

        var bySerial = await _dm.FindDevicesAsync(new ManagedDeviceQuery(SerialNumbers: some), default);
        var old = await _dm.FindDevicesAsync(new ManagedDeviceQuery(SoftwareVersion: "3.9.0"), default);
        var silent = await _dm.FindDevicesAsync(new ManagedDeviceQuery(NotSeenSince: Now.AddDays(-1)), default);

        bySerial.Select(d => d.SerialNumber).ShouldBe(some, ignoreOrder: true);
        bySerial[0].DeviceId.ShouldBe($"00D09E-{bySerial[0].ProductClass}-{bySerial[0].SerialNumber}");
        bySerial[0].Oui.ShouldBe("00D09E");
        old.Select(d => d.DeviceId).ShouldBe(_acs.Devices.Where(d => d.Profile == StbProfile.StuckFirmware).Select(d => d.Id), ignoreOrder: true);
        silent.Select(d => d.DeviceId).ShouldBe(_acs.Devices.Where(d => d.Profile == StbProfile.Offline).Select(d => d.Id), ignoreOrder: true);
        (await _dm.FindDevicesAsync(new ManagedDeviceQuery(Limit: 10, Skip: 95), default)).Count.ShouldBe(5);
    }

    [Fact]
    public async Task Diagnostics_map_TR135_parameters_and_the_rules_find_what_is_wrong()
    {
        var thresholds = new StbHealthThresholds(ExpectedSoftwareVersion: "4.2.1");
        var healthy = _acs.Devices.First(d => d.Profile == StbProfile.Healthy && d.ProductClass == "CH-STB-4K");
        var weak = _acs.Devices.First(d => d.Profile == StbProfile.WeakSignal && d.ProductClass != "CH-STB-T2");

        var good = (await _dm.GetDiagnosticsAsync(healthy.Id, refresh: true, default))!;
        good.Fresh.ShouldBeTrue();
        good.SerialNumber.ShouldBe(healthy.SerialNumber);
        good.SoftwareVersion.ShouldBe("4.2.1");
        good.UpTime.ShouldBe(Now - healthy.LastBoot);
        var tuner = good.FrontEnds.ShouldHaveSingleItem();
        (tuner.Kind, tuner.Locked).ShouldBe(("DVB-C", true));
        tuner.SignalLevelDbuv.ShouldNotBeNull().ShouldBeInRange(55, 70);
        tuner.SnrDb.ShouldNotBeNull().ShouldBeGreaterThan(30);
        good.Decoders.Select(d => d.Status).ShouldBe(["Enabled", "Enabled"]);
        good.Streams.ShouldHaveSingleItem().VideoDecodedFrames.ShouldNotBeNull().ShouldBeGreaterThan(0);
        StbFindings.Assess(good, thresholds, Now).ShouldBeEmpty();

        var bad = (await _dm.GetDiagnosticsAsync(weak.Id, refresh: false, default))!;
        bad.Fresh.ShouldBeFalse();
        StbFindings.Assess(bad, thresholds, Now).Select(f => f.Code).ShouldContain(StbFindings.WeakSignal);
        StbFindings.Assess(bad, thresholds, Now).Select(f => f.Code).ShouldContain(StbFindings.LowSnr);
        (await _dm.GetDiagnosticsAsync("00D09E-NOPE-000", refresh: true, default)).ShouldBeNull();
    }

    [Fact]
    public async Task A_terrestrial_box_reports_its_standard_DVBT_front_end()
    {
        var t2 = _acs.Devices.First(d => d.ProductClass == "CH-STB-T2" && d.Profile == StbProfile.Healthy);
        var tuner = (await _dm.GetDiagnosticsAsync(t2.Id, refresh: true, default))!.FrontEnds.ShouldHaveSingleItem();
        (tuner.Kind, tuner.SignalLevelDbuv).ShouldBe(("DVB-T", null));
        tuner.FrequencyKhz.ShouldNotBeNull().ShouldBeGreaterThan(300_000);
        tuner.BitErrorRatio.ShouldNotBeNull().ShouldBeLessThan(1e-5);
    }

    [Fact]
    public async Task Reboot_clears_decoder_errors_but_not_a_weak_signal()
    {
        var decoder = First(StbProfile.DecoderErrors);
        var weak = First(StbProfile.WeakSignal);
        var thresholds = new StbHealthThresholds();
        StbFindings.Assess((await _dm.GetDiagnosticsAsync(decoder.Id, true, default))!, thresholds, Now).Select(f => f.Code)
            .ShouldContain(StbFindings.DecoderFailed);

        (await _dm.RebootAsync(Command(decoder, "t:1:reboot"), default)).Status.ShouldBe(DeviceTaskStatus.Done);
        (await _dm.RebootAsync(Command(weak, "t:2:reboot"), default)).Status.ShouldBe(DeviceTaskStatus.Done);

        var after = (await _dm.GetDiagnosticsAsync(decoder.Id, true, default))!;
        StbFindings.Assess(after, thresholds, Now).ShouldBeEmpty();
        after.UpTime.ShouldBe(TimeSpan.Zero);
        StbFindings.Assess((await _dm.GetDiagnosticsAsync(weak.Id, true, default))!, thresholds, Now).Select(f => f.Code).ShouldContain(StbFindings.WeakSignal);
        (decoder.Reboots, weak.Reboots).ShouldBe((1, 1));
    }

    [Fact]
    public async Task Stuck_firmware_faults_the_download_until_a_factory_reset()
    {
        var stuck = First(StbProfile.StuckFirmware);

        var faulted = await _dm.DownloadFirmwareAsync(Command(stuck, "fw:1"), "stb-fw-4.2.1.bin", default);
        faulted.Status.ShouldBe(DeviceTaskStatus.Faulted);
        faulted.Detail.ShouldBe("cwmp.9010: Download failure: image verification failed");
        (await _dm.PendingTasksAsync(stuck.Id, default)).ShouldHaveSingleItem().Fault.ShouldStartWith("cwmp.9010");
        (await _dm.CancelTaskAsync(faulted.TaskId!, default)).ShouldBeTrue();
        (await _dm.CancelTaskAsync(faulted.TaskId!, default)).ShouldBeFalse();

        (await _dm.FactoryResetAsync(Command(stuck, "fw:2"), default)).Status.ShouldBe(DeviceTaskStatus.Done);
        (await _dm.DownloadFirmwareAsync(Command(stuck, "fw:3"), "stb-fw-4.2.1.bin", default)).Status.ShouldBe(DeviceTaskStatus.Done);
        (await _dm.GetDiagnosticsAsync(stuck.Id, false, default))!.SoftwareVersion.ShouldBe("4.2.1");
        (await _dm.DownloadFirmwareAsync(Command(stuck, "fw:4"), "no-such.bin", default)).Detail.ShouldBe("cwmp.9010: Download failure: file no-such.bin not found");
    }

    [Fact]
    public async Task An_offline_box_queues_the_task_once_and_runs_it_at_its_next_inform()
    {
        var offline = First(StbProfile.Offline);

        var queued = await _dm.RebootAsync(Command(offline, "sw:1:reboot"), default);
        var again = await _dm.RebootAsync(Command(offline, "sw:1:reboot"), default);

        queued.Status.ShouldBe(DeviceTaskStatus.Queued);
        queued.Detail.ShouldBe("Connection request error: No contact from CPE");
        again.TaskId.ShouldBe(queued.TaskId);
        again.Detail.ShouldBe("already pending");
        (await _dm.PendingTasksAsync(offline.Id, default)).ShouldHaveSingleItem().Name.ShouldBe("reboot");
        var stale = (await _dm.GetDiagnosticsAsync(offline.Id, refresh: true, default))!;
        stale.Fresh.ShouldBeFalse();
        StbFindings.Assess(stale, new StbHealthThresholds(), Now).Select(f => f.Code).ShouldContain(StbFindings.Offline);
        (await _dm.PendingTasksAsync(offline.Id, default)).ShouldHaveSingleItem(); // the refresh did not stay behind

        _acs.BringOnline(offline.Id);
        (await _dm.PendingTasksAsync(offline.Id, default)).ShouldBeEmpty();
        offline.Reboots.ShouldBe(1);
    }

    [Fact]
    public async Task Parameters_are_set_when_writable_and_refused_otherwise()
    {
        var box = First(StbProfile.Healthy);
        (await _dm.SetParametersAsync(Command(box, "p:1"), [new("Device.ManagementServer.PeriodicInformInterval", "600", "xsd:unsignedInt")], default))
            .Status.ShouldBe(DeviceTaskStatus.Done);

        var refused = await _dm.SetParametersAsync(Command(box, "p:2"), [new(Tr135.SoftwareVersion, "9.9.9")], default);
        refused.Status.ShouldBe(DeviceTaskStatus.Faulted);
        refused.Detail.ShouldStartWith("cwmp.9008");
    }

    [Fact]
    public async Task Server_errors_are_retried_and_an_outage_opens_the_circuit()
    {
        var box = First(StbProfile.Healthy);
        _acs.Faults.ForceNext(FaultKind.Error, 2);
        (await _dm.GetDiagnosticsAsync(box.Id, refresh: false, default)).ShouldNotBeNull();
        Health.Snapshot().Retries.ShouldBe(2);

        _acs.Faults.Down(TimeSpan.FromMinutes(5), "maintenance");
        await Should.ThrowAsync<DeviceManagementUnavailableException>(() => _dm.FindDevicesAsync(new ManagedDeviceQuery(), default));
        Health.Snapshot().Circuit.ShouldBe(CircuitStatus.Open);
        var fast = await Should.ThrowAsync<DeviceManagementUnavailableException>(() => _dm.FindDevicesAsync(new ManagedDeviceQuery(), default));
        fast.Message.ShouldContain("circuit is open");

        _acs.Faults.Up();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                (await _dm.FindDevicesAsync(new ManagedDeviceQuery(Limit: 1), default)).ShouldHaveSingleItem();
                break;
            }
            catch (DeviceManagementUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        Health.Snapshot().Circuit.ShouldBe(CircuitStatus.Closed);
    }

    [Fact]
    public async Task A_task_post_is_never_re_sent_blindly()
    {
        var box = First(StbProfile.Healthy);
        _acs.Faults.ForceNext(FaultKind.None); // the pending-task check before the post
        _acs.Faults.ForceNext(FaultKind.LostResponse);

        await Should.ThrowAsync<DeviceManagementUnavailableException>(() => _dm.RebootAsync(Command(box, "r:1"), default));
        box.Reboots.ShouldBe(1);
        Health.Snapshot().Retries.ShouldBe(0);
    }

    [Fact]
    public async Task The_simulator_speaks_GenieACS_shapes_on_the_wire()
    {
        var box = First(StbProfile.Healthy);
        using var http = new HttpClient { BaseAddress = _acs.Address };
        var query = Uri.EscapeDataString($$"""{"_id":"{{box.Id}}"}""");

        var devices = JsonNode.Parse(await http.GetStringAsync($"devices/?query={query}&projection=Device.DeviceInfo.SoftwareVersion"))!.AsArray();
        var doc = devices.ShouldHaveSingleItem()!.AsObject();
        doc["_id"]!.GetValue<string>().ShouldBe(box.Id);
        doc["Device"]!["DeviceInfo"]!["SoftwareVersion"]!["_value"]!.GetValue<string>().ShouldBe("4.2.1");
        doc["Device"]!["DeviceInfo"]!["SoftwareVersion"]!["_type"]!.GetValue<string>().ShouldBe("xsd:string");
        doc["Device"]!["DeviceInfo"]!.AsObject().ContainsKey("UpTime").ShouldBeFalse();

        using var queuedOnly = await http.PostAsync($"devices/{Uri.EscapeDataString(box.Id)}/tasks", new StringContent("""{"name":"reboot"}"""));
        queuedOnly.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var task = JsonNode.Parse(await queuedOnly.Content.ReadAsStringAsync())!;
        task["_id"]!.GetValue<string>().Length.ShouldBe(24);
        task["device"]!.GetValue<string>().ShouldBe(box.Id);
        (await http.PostAsync("devices/UNKNOWN/tasks?connection_request", new StringContent("""{"name":"reboot"}"""))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.DeleteAsync($"tasks/{task["_id"]}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
