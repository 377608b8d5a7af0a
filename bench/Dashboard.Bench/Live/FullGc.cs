using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace Dashboard.Bench.Live;

/// <summary>
/// Asks the app's runtime for a full, blocking GC through its diagnostics port, as dotnet-gcdump does before it walks
/// the heap, so that the managed heap read afterwards is what the app holds on to, not garbage not yet collected.
/// </summary>
internal static class FullGc
{
    // Microsoft-Windows-DotNETRuntime's GCHeapCollect keyword: a session that turns it on makes the runtime collect at once.
    private const long GCHeapCollectKeyword = 0x800000;

    public static async Task InduceAsync(int pid, CancellationToken cancellationToken)
    {
        var client = new DiagnosticsClient(pid);
        using var session = await client.StartEventPipeSessionAsync(
            [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GCHeapCollectKeyword)],
            requestRundown: false, circularBufferMB: 16, cancellationToken);
        // The events themselves are not needed, but the stream is read so that the runtime never waits on it.
        var drain = session.EventStream.CopyToAsync(Stream.Null, cancellationToken);
        await session.StopAsync(cancellationToken);
        await drain;
    }
}
