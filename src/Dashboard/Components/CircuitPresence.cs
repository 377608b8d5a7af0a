using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Dashboard.Components;

/// <summary>
/// Whether the browser of this circuit is connected. A closed tab keeps its circuit for up to 3 minutes (ASP.NET Core's
/// DisconnectedCircuitRetentionPeriod), a sleeping phone for as long as it sleeps: meanwhile live components neither poll
/// nor re-render (the Clients page would list every client every 2 s for no one), and they catch up once it is back.
/// </summary>
public sealed class CircuitPresence : CircuitHandler
{
    private volatile bool _down;

    public bool IsConnected => !_down;

    /// <summary>Raised when the browser is back after its connection went down.</summary>
    public event Action? Reconnected;

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _down = true;
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_down)
        {
            _down = false;
            Reconnected?.Invoke();
        }

        return Task.CompletedTask;
    }
}
