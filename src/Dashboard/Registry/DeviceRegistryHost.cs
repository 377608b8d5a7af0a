using Microsoft.Extensions.Options;

namespace Dashboard.Registry;

/// <summary>
/// Restores the registry into live state in <see cref="StartingAsync"/> (after the database migrator's, before the broker
/// replays its retained messages in its StartAsync), writes it every <see cref="RegistryOptions.WriteInterval"/>, and once
/// more when the app stops, so "last seen" survives a restart.
/// </summary>
internal sealed class DeviceRegistryHost(DeviceRegistry registry, IOptions<RegistryOptions> options, ILogger<DeviceRegistryHost> logger)
    : BackgroundService, IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => registry.RestoreAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.WriteInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await WriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The last write gets a moment of its own: the host's token may already be cancelled when a test host is disposed.
        using var lastWrite = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await WriteAsync(lastWrite.Token);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Stopped before the device registry's last write (last seen of the final moments is lost)");
        }
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await registry.WriteAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not write the device registry; will try again");
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
