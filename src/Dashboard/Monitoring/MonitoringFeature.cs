using Prometheus;

namespace Dashboard.Monitoring;

public static class MonitoringFeature
{
    // prometheus-net starts listening to .NET meters at the first scrape, so what came before (the start-up's requests)
    // would be missing. Started here instead, once per process: its registry is the process's.
    private static readonly Lazy<IDisposable> MeterListener = new(() =>
    {
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressMeters = true });
        return MeterAdapter.StartListening();
    });

    /// <summary>
    /// The dashboard's own meter. prometheus-net publishes every .NET meter: this one, the broker's, and ASP.NET Core's,
    /// Kestrel's and EF Core's own (HTTP request durations by route and status, connections, queries).
    /// </summary>
    public static IHostApplicationBuilder AddMonitoring(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DashboardMeter>();
        return builder;
    }

    /// <summary>
    /// <c>GET /metrics</c> in the Prometheus text format, for any signed-in user or API key (Prometheus sends the key as
    /// <c>authorization: credentials: &lt;key&gt;</c>, a bearer token).
    /// </summary>
    public static IEndpointRouteBuilder MapMonitoring(this IEndpointRouteBuilder app)
    {
        _ = app.ServiceProvider.GetRequiredService<DashboardMeter>(); // its instruments exist before the first scrape
        _ = MeterListener.Value;
        app.MapMetrics("/metrics").RequireAuthorization();
        return app;
    }
}
