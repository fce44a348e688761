namespace LocalMongo.Commands;

/// <summary>Per-connection facts the commands need (from the handshake).</summary>
internal sealed class ConnectionContext(int id)
{
    public int Id { get; } = id;

    public string? AppName { get; set; }
}
