namespace CableHub.Core.Ports;

/// <summary>
/// The set-top-box management server (TR-069 ACS; the adapter speaks the GenieACS north-bound REST API): find
/// boxes, read their health as a neutral <see cref="StbDiagnostics"/> (from TR-135 STBService parameters), and run
/// tasks on them — reboot, factory reset, firmware download, parameter changes.
/// </summary>
/// <remarks>
/// <para>A task is <see cref="DeviceTaskStatus.Done"/> when the box ran it during the call (it was online and answered
/// the connection request), <see cref="DeviceTaskStatus.Queued"/> when it waits in the ACS for the box's next contact
/// (offline box; ask again or cancel with <see cref="CancelTaskAsync"/>), <see cref="DeviceTaskStatus.Faulted"/> when the
/// box answered with a fault.</para>
/// <para>Idempotency: an ACS has no idempotency keys. The adapter does not add a task while one of the same kind
/// (same firmware file for downloads) is still pending for the box — it returns that one — and it logs the key with
/// the task. A task that already ran cannot be recognised afterwards: a saga records each step's outcome before it
/// moves on.</para>
/// <para>Transient failures (ACS unreachable, 5xx, timeouts, circuit open) throw <see cref="DeviceManagementUnavailableException"/>.</para>
/// </remarks>
public interface IDeviceManagement
{
    /// <summary>Boxes matching the query (by serial numbers, by software version, or not seen since…).</summary>
    Task<IReadOnlyList<ManagedDevice>> FindDevicesAsync(ManagedDeviceQuery query, CancellationToken ct);

    /// <summary>
    /// The box's health. With <paramref name="refresh"/> the ACS first asks the box for fresh values
    /// (getParameterValues with a connection request); an offline box answers with what the ACS last heard
    /// (<see cref="StbDiagnostics.Fresh"/> false). Null when the ACS does not know the box.
    /// </summary>
    Task<StbDiagnostics?> GetDiagnosticsAsync(string deviceId, bool refresh, CancellationToken ct);

    Task<DeviceTaskResult> RebootAsync(DeviceCommand command, CancellationToken ct);

    Task<DeviceTaskResult> FactoryResetAsync(DeviceCommand command, CancellationToken ct);

    /// <summary>Firmware upgrade from a file the ACS holds (<paramref name="fileName"/>, as uploaded to it).</summary>
    Task<DeviceTaskResult> DownloadFirmwareAsync(DeviceCommand command, string fileName, CancellationToken ct);

    Task<DeviceTaskResult> SetParametersAsync(DeviceCommand command, IReadOnlyList<DeviceParameterValue> values, CancellationToken ct);

    /// <summary>Tasks waiting in the ACS for the box.</summary>
    Task<IReadOnlyList<PendingDeviceTask>> PendingTasksAsync(string deviceId, CancellationToken ct);

    /// <summary>Removes a pending task (and its fault); false when it no longer exists.</summary>
    Task<bool> CancelTaskAsync(string taskId, CancellationToken ct);
}

/// <param name="IdempotencyKey">the business operation, e.g. <c>troubleshoot:{ticket}:reboot:1</c> (logged with the task)</param>
/// <param name="DeviceId">the ACS's device id (GenieACS: <c>OUI-ProductClass-SerialNumber</c>)</param>
/// <param name="WaitFor">how long the ACS may wait for the box to run the task before answering Queued</param>
public sealed record DeviceCommand(string IdempotencyKey, string DeviceId, TimeSpan? WaitFor = null);

/// <param name="SerialNumbers">any of these serial numbers</param>
/// <param name="SoftwareVersion">exactly this firmware</param>
/// <param name="NotSeenSince">no contact since (offline boxes)</param>
public sealed record ManagedDeviceQuery(
    IReadOnlyList<string>? SerialNumbers = null,
    string? SoftwareVersion = null,
    DateTimeOffset? NotSeenSince = null,
    int Limit = 100,
    int Skip = 0);

public sealed record ManagedDevice(
    string DeviceId,
    string SerialNumber,
    string? Manufacturer,
    string? Oui,
    string? ProductClass,
    string? SoftwareVersion,
    DateTimeOffset? LastInform,
    IReadOnlyList<string> Tags);

/// <summary>One tuner (TR-135 <c>Components.FrontEnd.{i}</c>).</summary>
/// <param name="Kind"><c>DVB-T</c>, <c>DVB-C</c>, <c>IP</c>…</param>
/// <param name="SignalLevelDbuv">input level in dBµV (cable boxes report it as a vendor extension of TR-135)</param>
/// <param name="SnrDb">signal-to-noise ratio in dB</param>
/// <param name="BitErrorRatio">bit error ratio before correction (TR-135 BER is in multiples of 1e-6)</param>
public sealed record FrontEndStatus(int Index, string Kind, bool? Locked, long? FrequencyKhz, double? SignalLevelDbuv, double? SnrDb, double? BitErrorRatio);

/// <summary>A player/decoder (TR-135 <c>AVPlayers.AVPlayer.{i}</c>, <c>Components.VideoDecoder.{i}</c>): status Enabled, Disabled or Error.</summary>
public sealed record DecoderStatus(string Name, string Status);

/// <summary>Totals of one monitored stream (TR-135 <c>ServiceMonitoring.MainStream.{i}.Total</c>).</summary>
public sealed record StreamStatistics(
    int Index,
    long? VideoDecodedFrames,
    long? VideoLostFrames,
    long? VideoConcealedFrames,
    long? AudioDecodingErrors,
    long? TsSyncLossCount,
    long? TsDiscontinuities);

/// <summary>The health of a box, whatever the ACS and data model behind it.</summary>
/// <param name="Fresh">values were read from the box during this call (false: what the ACS last heard)</param>
public sealed record StbDiagnostics(
    string DeviceId,
    string SerialNumber,
    DateTimeOffset CollectedAt,
    bool Fresh,
    DateTimeOffset? LastInform,
    string? SoftwareVersion,
    TimeSpan? UpTime,
    IReadOnlyList<FrontEndStatus> FrontEnds,
    IReadOnlyList<DecoderStatus> Decoders,
    IReadOnlyList<StreamStatistics> Streams);

public sealed record DeviceParameterValue(string Name, string Value, string Type = "xsd:string");

public enum DeviceTaskStatus
{
    /// <summary>The box ran the task during the call.</summary>
    Done,

    /// <summary>Waiting in the ACS for the box's next contact.</summary>
    Queued,

    /// <summary>The box answered with a fault (see detail); the task stays in the ACS until cancelled or retried.</summary>
    Faulted,

    /// <summary>The ACS does not know the box.</summary>
    UnknownDevice,
}

public sealed record DeviceTaskResult(DeviceTaskStatus Status, string? TaskId, string? Detail = null);

public sealed record PendingDeviceTask(string TaskId, string Name, DateTimeOffset? CreatedAt, string? Fault);

public sealed class DeviceManagementUnavailableException : Exception
{
    public DeviceManagementUnavailableException()
    {
    }

    public DeviceManagementUnavailableException(string message)
        : base(message)
    {
    }

    public DeviceManagementUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Limits that make a box "faulty" (defaults for a DVB-C network at 256-QAM).</summary>
public sealed record StbHealthThresholds(
    double MinSignalLevelDbuv = 47,
    double MaxSignalLevelDbuv = 77,
    double MinSnrDb = 28,
    double MaxVideoLossRatio = 0.005,
    long MaxAudioDecodingErrors = 50,
    TimeSpan? OfflineAfter = null,
    string? ExpectedSoftwareVersion = null);

/// <summary>A finding about a box; <see cref="Code"/> is one of <see cref="StbFindings"/>.</summary>
public sealed record StbFinding(string Code, string Detail);

/// <summary>Turns diagnostics into findings (pure; the troubleshooting saga decides what to do about them).</summary>
public static class StbFindings
{
    public const string Offline = "offline";
    public const string NoLock = "no_lock";
    public const string WeakSignal = "weak_signal";
    public const string StrongSignal = "signal_too_strong";
    public const string LowSnr = "low_snr";
    public const string DecoderErrors = "decoder_errors";
    public const string DecoderFailed = "decoder_failed";
    public const string OutdatedFirmware = "outdated_firmware";

    public static IReadOnlyList<StbFinding> Assess(StbDiagnostics d, StbHealthThresholds t, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(t);
        var findings = new List<StbFinding>();
        var offlineAfter = t.OfflineAfter ?? TimeSpan.FromMinutes(30);
        if (!d.Fresh && (d.LastInform is null || now - d.LastInform > offlineAfter))
        {
            findings.Add(new(Offline, d.LastInform is { } seen ? $"no contact since {seen:O}" : "never contacted the ACS"));
        }

        foreach (var f in d.FrontEnds)
        {
            if (f.Locked == false)
            {
                findings.Add(new(NoLock, $"tuner {f.Index} ({f.Kind}) is not locked"));
            }

            if (f.SignalLevelDbuv is { } level && level < t.MinSignalLevelDbuv)
            {
                findings.Add(new(WeakSignal, $"tuner {f.Index}: {level:0.#} dBµV < {t.MinSignalLevelDbuv:0.#}"));
            }
            else if (f.SignalLevelDbuv is { } high && high > t.MaxSignalLevelDbuv)
            {
                findings.Add(new(StrongSignal, $"tuner {f.Index}: {high:0.#} dBµV > {t.MaxSignalLevelDbuv:0.#}"));
            }

            if (f.SnrDb is { } snr && snr < t.MinSnrDb)
            {
                findings.Add(new(LowSnr, $"tuner {f.Index}: SNR {snr:0.#} dB < {t.MinSnrDb:0.#}"));
            }
        }

        foreach (var dec in d.Decoders.Where(x => string.Equals(x.Status, "Error", StringComparison.OrdinalIgnoreCase)))
        {
            findings.Add(new(DecoderFailed, $"{dec.Name} is in error"));
        }

        foreach (var s in d.Streams)
        {
            var decoded = s.VideoDecodedFrames ?? 0;
            var bad = (s.VideoLostFrames ?? 0) + (s.VideoConcealedFrames ?? 0);
            if (decoded > 0 && (double)bad / decoded > t.MaxVideoLossRatio)
            {
                findings.Add(new(DecoderErrors, $"stream {s.Index}: {bad} of {decoded} video frames lost or concealed"));
            }
            else if (s.AudioDecodingErrors is { } audio && audio > t.MaxAudioDecodingErrors)
            {
                findings.Add(new(DecoderErrors, $"stream {s.Index}: {audio} audio decoding errors"));
            }
        }

        if (t.ExpectedSoftwareVersion is { } expected && d.SoftwareVersion is { } actual && !string.Equals(expected, actual, StringComparison.Ordinal))
        {
            findings.Add(new(OutdatedFirmware, $"firmware {actual}, expected {expected}"));
        }

        return findings;
    }
}
