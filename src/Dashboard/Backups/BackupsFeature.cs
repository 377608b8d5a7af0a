using Dashboard.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dashboard.Backups;

public static class BackupsFeature
{
    /// <summary>Snapshots of the database: downloaded by admins (<c>GET /api/backup</c>) and, when configured, written on a schedule.</summary>
    public static IHostApplicationBuilder AddBackups(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<BackupsOptions>().BindConfiguration(BackupsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(s => new DatabaseSnapshots(s.GetRequiredService<DatabaseConnection>()));
        services.AddSingleton<BackupStatus>();
        services.AddHostedService<ScheduledBackups>();
        return builder;
    }

    public static IEndpointRouteBuilder MapBackups(this IEndpointRouteBuilder app) => app.MapBackupApi();
}
