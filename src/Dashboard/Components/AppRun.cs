using Microsoft.AspNetCore.Connections;

namespace Dashboard.Components;

/// <summary>Runs the app. A port that another program holds ends it with a line that says which port and what to do, and exit code 1.</summary>
internal static class AppRun
{
    public static int RunOrExplain(this WebApplication app)
    {
        try
        {
            app.Run();
            return 0;
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException)
        {
            // The host has logged the details; this is the line to act on, written once that log has drained (disposing the
            // host ends its console logger's queue), so it is the last one on the terminal.
            ((IDisposable)app).Dispose();
            Console.Error.WriteLine($"{ex.Message} Another program, or another Dashboard, listens there: stop it, or move this " +
                "endpoint with Kestrel__Endpoints__<Http|Mqtt|MqttWebSockets>__Url (README: Ports).");
            return 1;
        }
    }
}
