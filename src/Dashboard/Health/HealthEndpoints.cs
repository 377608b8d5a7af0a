using Dashboard.Broker;
using Dashboard.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dashboard.Health;

public static class HealthEndpoints
{
    /// <summary><c>GET /healthz</c>: 200 when the broker is listening and the database answers, else 503.</summary>
    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<BrokerHealthCheck>("broker")
            .AddDbContextCheck<DashboardDbContext>("database");
        return builder;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/healthz").AllowAnonymous(); // for load balancers and docker, which have no login
        return app;
    }

    private sealed class BrokerHealthCheck(BrokerServer broker) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(broker.IsStarted ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The MQTT broker is not running."));
    }
}
