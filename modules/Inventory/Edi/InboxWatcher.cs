using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CableHub.Inventory.Edi;

/// <summary>
/// Watches the EDI inbox folder: a file is taken once it has stopped changing, run through <see cref="EdiIntake"/>
/// (kept in the store, processed once, quarantined with the reason when bad) and removed from the inbox. Wakes on
/// file-system notifications and scans every few seconds anyway (notifications get lost). At start it resumes files
/// left unfinished and writes outbound files not yet in the outbox folder.
/// </summary>
public sealed class InboxWatcher(EdiIntake intake, InventorySettings settings, TimeProvider clock, ILogger<InboxWatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>Number of files taken since start (for tests and health).</summary>
    public int Taken { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inbox = intake.Options.InboxDirectory;
        Directory.CreateDirectory(inbox);
        try
        {
            await intake.ResumeUnfinishedAsync(stoppingToken).ConfigureAwait(false);
            await intake.ExportOutboxAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not resume unfinished EDI files");
        }

        using var watcher = new FileSystemWatcher(inbox) { IncludeSubdirectories = false, EnableRaisingEvents = true };
        watcher.Created += (_, _) => Wake();
        watcher.Changed += (_, _) => Wake();
        watcher.Renamed += (_, _) => Wake();
        logger.LogInformation("Watching the EDI inbox {Inbox}", inbox);
        var poll = TimeSpan.FromSeconds(Math.Max(1, settings.InboxPollSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            await ScanAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await _wake.WaitAsync(poll, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>Takes every settled file of the inbox once.</summary>
    public async Task ScanAsync(CancellationToken ct)
    {
        var settle = TimeSpan.FromMilliseconds(Math.Max(0, settings.InboxSettleMilliseconds));
        foreach (var path in Directory.EnumerateFiles(intake.Options.InboxDirectory).Order(StringComparer.Ordinal).ToList())
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.') || name.EndsWith(".part", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var info = new FileInfo(path);
            if (!info.Exists || clock.GetUtcNow().UtcDateTime - info.LastWriteTimeUtc < settle)
            {
                continue;
            }

            try
            {
                var result = await intake.IngestFileAsync(path, "inbox", ct).ConfigureAwait(false);
                File.Delete(path);
                Taken++;
                logger.LogInformation("Inbox file {Name}: {Outcome} {Reason}", name, result.Outcome, result.Reason);
            }
            catch (IOException ex)
            {
                logger.LogInformation(ex, "Inbox file {Name} is not readable yet; retrying", name);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Inbox file {Name} could not be taken in; it stays in the inbox and is retried", name);
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
