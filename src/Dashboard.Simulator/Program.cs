using System.CommandLine;
using System.Runtime.InteropServices;
using Dashboard.Simulator;

var parseResult = SimulatorCommandLine.Create(RunAsync).Parse(args);
if (parseResult.Errors.Count > 0)
{
    Console.Error.WriteLine($"error: {string.Join(" ", parseResult.Errors.Select(e => e.Message))} (see --help)");
    return 2;
}

// Shutdown is ours, not System.CommandLine's: its handler gives the action only a fixed grace period,
// and every device needs to publish its retained "offline" before the process ends.
return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> RunAsync(SimulatorOptions options)
{
    using var shutdown = new CancellationTokenSource();
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

    await new Simulator(options).RunAsync(shutdown.Token);
    return 0;

    // The first signal stops gracefully; a second one falls through to the default and ends the process.
    void OnSignal(PosixSignalContext context)
    {
        if (!shutdown.IsCancellationRequested)
        {
            context.Cancel = true;
            shutdown.Cancel();
        }
    }
}
