using Microsoft.AspNetCore.Connections;

namespace Dashboard.Components;

/// <summary>
/// Runs the app. A port that another program holds, or a setting out of range, ends it with a line that says which and what
/// to do, and exit code 1.
/// </summary>
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
        catch (Exception ex) when (IsInvalidConfiguration(ex))
        {
            // A setting out of range or of the wrong type (validated at start): the line to act on, naming the key, last.
            ((IDisposable)app).Dispose();
            Console.Error.WriteLine(Explain(ex));
            return 1;
        }
    }

    /// <summary>
    /// A setting the features read while the app is put together (before <see cref="RunOrExplain"/>) ends the process the
    /// same way: one line naming it, exit code 1, not an unhandled exception's stack trace and 134.
    /// </summary>
    public static void ExitOnInvalidConfiguration()
    {
        if (Interlocked.Exchange(ref _exitsOnInvalidConfiguration, 1) == 1)
        {
            return; // once per process: the tests start the app many times in one
        }

        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is Exception ex && IsInvalidConfiguration(ex))
            {
                Console.Error.WriteLine(Explain(ex));
                Environment.Exit(1);
            }
        };
    }

    private static int _exitsOnInvalidConfiguration;

    private static bool IsInvalidConfiguration(Exception ex) => ex is Microsoft.Extensions.Options.OptionsValidationException
        || (ex is InvalidOperationException && ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal));

    private static string Explain(Exception ex) => $"Invalid configuration: {ex.Message} See the README's configuration table.";
}
