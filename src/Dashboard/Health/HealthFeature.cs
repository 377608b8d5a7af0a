using Dashboard.Broker;
using Dashboard.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dashboard.Health;

public static class HealthFeature
{
    /// <summary><c>GET /healthz</c>: 200 when the broker is listening and the database answers, else 503.</summary>
    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<BrokerHealthCheck>("broker")
            .AddDbContextCheck<DashboardDbContext>("database");
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz").AllowAnonymous(); // for load balancers and docker, which have no login
        return app;
    }

    private sealed class BrokerHealthCheck(IBrokerPublisher broker) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(broker.IsRunning ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The MQTT broker is not running."));
    }
}
