using System.Threading.Channels;
using CableHub.Core.Ports;

namespace CableHub.Sagas.Onboarding;

/// <summary>
/// Gathers the activations that onboarding steps ask for at about the same time and sends them to the CAS together
/// (<see cref="IConditionalAccessSystem.ActivateDevicesAsync"/>: one exchange, one transaction in the simulated head-end)
/// instead of one call each. A step waits for its own answer; a batch the CAS could not take (unavailable, timed out) fails
/// every activation in it with the same <see cref="CasUnavailableException"/>, and each step records and retries its own with
/// its own idempotency key, as before. Nothing is held across the call but the waiting steps.
/// </summary>
public sealed class CasActivationBatcher : IAsyncDisposable
{
    private readonly IConditionalAccessSystem _cas;
    private readonly OnboardingOptions _options;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public CasActivationBatcher(IConditionalAccessSystem cas, OnboardingOptions options)
    {
        ArgumentNullException.ThrowIfNull(cas);
        ArgumentNullException.ThrowIfNull(options);
        _cas = cas;
        _options = options;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Batches sent so far and activations in them (diagnostics).</summary>
    public (long Batches, long Activations) Sent => (Interlocked.Read(ref _batches), Interlocked.Read(ref _activations));

    private long _batches;
    private long _activations;

    /// <summary>Activates one box, in the next batch; bounded by <paramref name="ct"/> (the step's CAS call timeout).</summary>
    public async Task<CasCommandResult> ActivateAsync(CasActivation activation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (_options.CasBatchSize <= 1)
        {
            return await _cas.ActivateDeviceAsync(activation, ct).ConfigureAwait(false);
        }

        var pending = new Pending(activation, new TaskCompletionSource<CasCommandResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct).ConfigureAwait(false);
        return await pending.Result.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var batch = new List<Pending>(_options.CasBatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                batch.Clear();
                using (var window = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    window.CancelAfter(_options.CasBatchWindow);
                    try
                    {
                        while (batch.Count < _options.CasBatchSize)
                        {
                            if (_queue.Reader.TryRead(out var next))
                            {
                                batch.Add(next);
                            }
                            else if (batch.Count == 0 || !await _queue.Reader.WaitToReadAsync(window.Token).ConfigureAwait(false))
                            {
                                break;
                            }
                        }
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        // the window closed: send what there is
                    }
                }

                _ = SendAsync([.. batch], stop); // the next batch gathers while this one is with the CAS
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        while (_queue.Reader.TryRead(out var left))
        {
            left.Result.TrySetException(new CasUnavailableException("the hub is stopping; the activation was not sent"));
        }
    }

    private async Task SendAsync(IReadOnlyList<Pending> batch, CancellationToken stop)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        limit.CancelAfter(_options.CasCallTimeout);
        try
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _activations, batch.Count);
            var results = await _cas.ActivateDevicesAsync([.. batch.Select(p => p.Activation)], limit.Token).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Result.TrySetResult(results[i]);
            }
        }
        catch (OperationCanceledException e)
        {
            var unavailable = new CasUnavailableException($"the CAS did not answer a batch of {batch.Count} activations within {_options.CasCallTimeout}", e);
            foreach (var p in batch)
            {
                p.Result.TrySetException(unavailable);
            }
        }
        catch (Exception e)
        {
            foreach (var p in batch)
            {
                p.Result.TrySetException(e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private sealed record Pending(CasActivation Activation, TaskCompletionSource<CasCommandResult> Result);
}
