using System.Globalization;

namespace CableHub.Connectors.DeviceManagement.Simulator;

/// <summary>What is wrong with a simulated box (if anything).</summary>
public enum StbProfile
{
    Healthy,

    /// <summary>Low input level and SNR, TS sync losses: cabling, a physical fault no reboot fixes.</summary>
    WeakSignal,

    /// <summary>Decoder in error, lost and concealed frames, audio errors: transient, a reboot clears it.</summary>
    DecoderErrors,

    /// <summary>Old firmware that refuses downloads (fault 9010) until a factory reset.</summary>
    StuckFirmware,

    /// <summary>Not in contact with the ACS; tasks wait for its next inform.</summary>
    Offline,
}

/// <summary>One simulated set-top box: TR-181 DeviceInfo and TR-135 STBService parameters, contact state, pending tasks.</summary>
public sealed class SimulatedStb
{
    internal SimulatedStb(string oui, string productClass, string serial, StbProfile profile, string firmware, DateTimeOffset now, Random random)
    {
        Oui = oui;
        ProductClass = productClass;
        SerialNumber = serial;
        Profile = profile;
        Online = profile != StbProfile.Offline;
        FirmwareStuck = profile == StbProfile.StuckFirmware;
        Registered = now.AddDays(-random.Next(30, 700));
        LastBoot = now.AddHours(-random.Next(1, 24 * 20));
        LastInform = Online ? now.AddSeconds(-random.Next(5, 600)) : now.AddDays(-random.Next(2, 10));
        SoftwareVersion = firmware;
        var cable = !productClass.EndsWith("-T2", StringComparison.Ordinal);
        FrontEnd = cable ? "X_CABLEHUB_DVBC" : "DVBT";
        var weak = profile == StbProfile.WeakSignal;
        SignalLevel = cable ? Math.Round(weak ? 38 + (random.NextDouble() * 6) : 55 + (random.NextDouble() * 15), 1) : null;
        Snr = weak ? random.Next(17, 25) : random.Next(31, 39);
        Ber = weak ? random.Next(300, 2000) : random.Next(0, 5);
        Locked = !weak || random.NextDouble() < 0.7;
        Frequency = 306000 + (random.Next(0, 40) * 8000);
        Uptime(now);
        var decoded = (long)(now - LastBoot).TotalSeconds * 25;
        DecodedFrames = decoded;
        if (profile == StbProfile.DecoderErrors)
        {
            LostFrames = decoded / random.Next(20, 50);
            ConcealedFrames = decoded / random.Next(30, 80);
            AudioErrors = random.Next(200, 900);
            DecoderState = "Error";
        }
        else
        {
            LostFrames = decoded / 200_000;
            ConcealedFrames = decoded / 150_000;
            AudioErrors = random.Next(0, 5);
        }

        TsSyncLoss = weak ? random.Next(5, 60) : 0;
        Discontinuities = weak ? random.Next(100, 3000) : random.Next(0, 3);
    }

    public string Oui { get; }

    public string ProductClass { get; }

    public string SerialNumber { get; }

    /// <summary>GenieACS device id: <c>OUI-ProductClass-SerialNumber</c>.</summary>
    public string Id => $"{Oui}-{ProductClass}-{SerialNumber}";

    public StbProfile Profile { get; internal set; }

    public bool Online { get; internal set; }

    public bool FirmwareStuck { get; internal set; }

    public DateTimeOffset Registered { get; }

    public DateTimeOffset LastBoot { get; internal set; }

    public DateTimeOffset LastInform { get; internal set; }

    public string SoftwareVersion { get; internal set; }

    public int Reboots { get; internal set; }

    public int FactoryResets { get; internal set; }

    public List<string> Tags { get; } = [];

    internal string FrontEnd { get; }

    internal double? SignalLevel { get; set; }

    internal int Snr { get; set; }

    internal int Ber { get; set; }

    internal bool Locked { get; set; }

    internal long Frequency { get; }

    internal long DecodedFrames { get; set; }

    internal long LostFrames { get; set; }

    internal long ConcealedFrames { get; set; }

    internal long AudioErrors { get; set; }

    internal long TsSyncLoss { get; set; }

    internal long Discontinuities { get; set; }

    internal string DecoderState { get; set; } = "Enabled";

    internal int PeriodicInformInterval { get; set; } = 3600;

    internal DateTimeOffset ParametersReadAt { get; set; }

    internal long Uptime(DateTimeOffset now) => (long)Math.Max(0, (now - LastBoot).TotalSeconds);

    /// <summary>Every parameter: path → (value, xsd type, writable).</summary>
    internal IEnumerable<(string Path, object Value, string Type, bool Writable)> Parameters(DateTimeOffset now)
    {
        const string stb = "Device.Services.STBService.1.";
        yield return ("Device.DeviceInfo.Manufacturer", "CableHub Devices", "xsd:string", false);
        yield return ("Device.DeviceInfo.ManufacturerOUI", Oui, "xsd:string", false);
        yield return ("Device.DeviceInfo.ProductClass", ProductClass, "xsd:string", false);
        yield return ("Device.DeviceInfo.SerialNumber", SerialNumber, "xsd:string", false);
        yield return ("Device.DeviceInfo.HardwareVersion", "HW-2", "xsd:string", false);
        yield return ("Device.DeviceInfo.SoftwareVersion", SoftwareVersion, "xsd:string", false);
        yield return ("Device.DeviceInfo.UpTime", Uptime(now), "xsd:unsignedInt", false);
        yield return ("Device.ManagementServer.PeriodicInformInterval", PeriodicInformInterval, "xsd:unsignedInt", true);
        var fe = $"{stb}Components.FrontEnd.1.{FrontEnd}.Modulation.";
        yield return ($"{fe}Frequency", Frequency, "xsd:unsignedInt", false);
        if (SignalLevel is { } level)
        {
            yield return ($"{fe}SignalLevel", level, "xsd:decimal", false);
        }

        yield return ($"{fe}SNR", Snr, "xsd:unsignedInt", false);
        yield return ($"{fe}BER", Ber, "xsd:unsignedInt", false);
        yield return ($"{fe}Locked", Locked, "xsd:boolean", false);
        yield return ($"{stb}Components.VideoDecoder.1.Name", "Main video decoder", "xsd:string", false);
        yield return ($"{stb}Components.VideoDecoder.1.Status", DecoderState, "xsd:string", false);
        yield return ($"{stb}AVPlayers.AVPlayer.1.Name", "Main player", "xsd:string", false);
        yield return ($"{stb}AVPlayers.AVPlayer.1.Enable", true, "xsd:boolean", true);
        yield return ($"{stb}AVPlayers.AVPlayer.1.Status", DecoderState, "xsd:string", false);
        var total = $"{stb}ServiceMonitoring.MainStream.1.Total.";
        yield return ($"{total}VideoDecoderStats.DecodedFrames", DecodedFrames, "xsd:unsignedInt", false);
        yield return ($"{total}VideoDecoderStats.LostFrames", LostFrames, "xsd:unsignedInt", false);
        yield return ($"{total}VideoDecoderStats.ConcealedFrames", ConcealedFrames, "xsd:unsignedInt", false);
        yield return ($"{total}AudioDecoderStats.DecodingErrors", AudioErrors, "xsd:unsignedInt", false);
        yield return ($"{total}MPEG2TSStats.TSSyncLossCount", TsSyncLoss, "xsd:unsignedInt", false);
        yield return ($"{total}MPEG2TSStats.PacketDiscontinuityCounter", Discontinuities, "xsd:unsignedInt", false);
    }

    /// <summary>Reboot: uptime and stream counters start again; a transient decoder fault is gone.</summary>
    internal void Reboot(DateTimeOffset now)
    {
        Reboots++;
        LastBoot = now;
        LastInform = now;
        DecodedFrames = LostFrames = ConcealedFrames = AudioErrors = TsSyncLoss = Discontinuities = 0;
        DecoderState = "Enabled";
        if (Profile == StbProfile.DecoderErrors)
        {
            Profile = StbProfile.Healthy;
        }
    }

    internal void FactoryReset(DateTimeOffset now)
    {
        Reboot(now);
        FactoryResets++;
        PeriodicInformInterval = 3600;
        FirmwareStuck = false;
        if (Profile == StbProfile.StuckFirmware)
        {
            Profile = StbProfile.Healthy;
        }
    }

    internal bool TrySet(string path, string value)
    {
        switch (path)
        {
            case "Device.ManagementServer.PeriodicInformInterval" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds):
                PeriodicInformInterval = seconds;
                return true;
            case "Device.Services.STBService.1.AVPlayers.AVPlayer.1.Enable":
                return true;
            default:
                return false;
        }
    }
}
