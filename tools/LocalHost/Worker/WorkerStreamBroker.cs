using System.Collections.Concurrent;

namespace LocalHost.Worker;

/// <summary>Hands each incoming gRPC event stream to the session that launched the worker with that worker id.</summary>
internal sealed class WorkerStreamBroker
{
    private readonly ConcurrentDictionary<string, WorkerSession> _expected = new(StringComparer.Ordinal);

    public void Expect(WorkerSession session) => _expected[session.WorkerId] = session;

    public void Forget(WorkerSession session) => _expected.TryRemove(new KeyValuePair<string, WorkerSession>(session.WorkerId, session));

    public bool TryClaim(string workerId, out WorkerSession session) => _expected.TryRemove(workerId, out session!);
}
