using System.Runtime.CompilerServices;

namespace Dashboard.Tests;

internal static class BunitDefaults
{
    /// <summary>
    /// WaitFor… waits up to 10 s (bUnit's default is 1 s). A live change reaches a component through a throttled render
    /// on the thread pool, which a loaded 2-core CI machine can hold back for more than a second.
    /// </summary>
    [ModuleInitializer]
    internal static void PatientWaits() => Bunit.BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(10);
}
