using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using MongoDB.Bson;
using MongoDB.Driver;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.LocalMongo;

[Trait("Category", "Unit")]
public sealed class LocalMongoProtocolTests
{
    [Fact]
    public async Task Driver_handshakes_and_pings()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var admin = mongo.Client.GetDatabase("admin");

        var ping = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1));
        var hello = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("hello", 1));
        var buildInfo = await admin.RunCommandAsync<BsonDocument>(new BsonDocument("buildInfo", 1));

        Assert.Equal(1.0, ping["ok"].ToDouble());
        Assert.True(hello["isWritablePrimary"].AsBoolean);
        Assert.Equal(21, hello["maxWireVersion"].AsInt32);
        Assert.False(hello.Contains("topologyVersion"), "streaming hello must not be advertised");
        Assert.False(hello.Contains("logicalSessionTimeoutMinutes"), "sessions must not be advertised");
        Assert.Equal("7.0.0", buildInfo["version"].AsString);
        Assert.StartsWith("mongodb://127.0.0.1:", mongo.Server.ConnectionString, StringComparison.Ordinal);
        Assert.EndsWith("/?directConnection=true", mongo.Server.ConnectionString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_command_fails_with_CommandNotFound_59()
    {
        await using var mongo = await LocalMongoContext.StartAsync();

        var e = await Assert.ThrowsAsync<MongoCommandException>(() =>
            mongo.Database.RunCommandAsync<BsonDocument>(new BsonDocument("frobnicate", 1)));

        Assert.Equal(59, e.Code);
        Assert.Equal("CommandNotFound", e.CodeName);
        Assert.Equal("no such command: 'frobnicate'", e.ErrorMessage);
    }

    [Fact]
    public async Task Malformed_or_oversized_messages_close_only_that_connection()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertOneAsync(new BsonDocument("_id", "before"));

        // A header announcing 100 MB (over maxMessageSizeBytes), then an OP_MSG whose body is not BSON.
        Assert.True(await ServerClosesAfterAsync(mongo.Server.Port, Header(100_000_000, 2013)));
        Assert.True(await ServerClosesAfterAsync(mongo.Server.Port, [.. Header(16 + 4 + 1 + 8, 2013), 0, 0, 0, 0, 0, 8, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]));

        await clicks.InsertOneAsync(new BsonDocument("_id", "after"));
        Assert.Equal(2, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Raw_OP_MSG_with_checksum_document_sequence_and_moreToCome_is_handled()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", mongo.Server.Port);
        var stream = client.GetStream();

        // moreToCome (flag bit 1): the server runs the insert and sends no reply.
        var insert = new BsonDocument { { "insert", "raw" }, { "ordered", false }, { "$db", "buttons" } };
        await stream.WriteAsync(OpMsg(1, flags: 2, insert, ("documents", [new BsonDocument("_id", 1), new BsonDocument("_id", 2)])));

        // checksumPresent (flag bit 0): four trailing checksum bytes are tolerated.
        await stream.WriteAsync(OpMsg(2, flags: 1, new BsonDocument { { "count", "raw" }, { "$db", "buttons" } }));
        var reply = await ReadReplyAsync(stream);

        Assert.Equal(2, reply.ResponseTo);
        Assert.Equal(2013, reply.OpCode);
        Assert.Equal(2, reply.Body["n"].ToInt32());
    }

    [Fact]
    public async Task Stopped_server_fails_fast_and_resumed_server_still_has_the_data()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertManyAsync([new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);

        await mongo.Server.StopListeningAsync();
        var watch = Stopwatch.StartNew();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => clicks.InsertOneAsync(new BsonDocument("_id", 3)));
        watch.Stop();
        Assert.True(failure is MongoConnectionException or TimeoutException, $"unexpected {failure.GetType()}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");

        await mongo.Server.ResumeListeningAsync();
        var count = await Eventually.MongoSucceedsAsync(() => clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(2, count);
        await clicks.InsertOneAsync(new BsonDocument("_id", 3));
        Assert.Equal(3, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Many_concurrent_clients_insert_without_losing_or_doubling_documents()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await clicks.InsertOneAsync(new BsonDocument { { "_id", $"{t}-{i}" }, { "t", t } });
            }
        })));

        Assert.Equal(800, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(100, await clicks.CountDocumentsAsync(new BsonDocument("t", 7)));
    }

    private static byte[] OpMsg(int requestId, uint flags, BsonDocument body, params (string Name, BsonDocument[] Documents)[] sequences)
    {
        using var message = new MemoryStream();
        message.Write(new byte[16]);
        message.Write(BitConverter.GetBytes(flags));
        message.WriteByte(0);
        message.Write(body.ToBson());
        foreach (var (name, documents) in sequences)
        {
            var payload = documents.SelectMany(d => d.ToBson()).ToArray();
            var identifier = System.Text.Encoding.UTF8.GetBytes(name + "\0");
            message.WriteByte(1);
            message.Write(BitConverter.GetBytes(4 + identifier.Length + payload.Length));
            message.Write(identifier);
            message.Write(payload);
        }

        if ((flags & 1) != 0)
        {
            message.Write(new byte[4]); // not verified by LocalMongo
        }

        var bytes = message.ToArray();
        BinaryPrimitives.WriteInt32LittleEndian(bytes, bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), requestId);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), 2013);
        return bytes;
    }

    private static async Task<(int ResponseTo, int OpCode, BsonDocument Body)> ReadReplyAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var header = new byte[16];
        await stream.ReadExactlyAsync(header, timeout.Token);
        var rest = new byte[BinaryPrimitives.ReadInt32LittleEndian(header) - 16];
        await stream.ReadExactlyAsync(rest, timeout.Token);
        var body = MongoDB.Bson.Serialization.BsonSerializer.Deserialize<BsonDocument>(rest.AsSpan(5).ToArray());
        return (BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8)), BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12)), body);
    }

    private static byte[] Header(int length, int opCode)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), opCode);
        return header;
    }

    /// <summary>Sends raw bytes and reports whether the server then closed the connection (read returns 0).</summary>
    private static async Task<bool> ServerClosesAfterAsync(int port, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(bytes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await stream.ReadAsync(new byte[64], timeout.Token) == 0;
        }
        catch (IOException)
        {
            return true; // reset by the server: closed as well
        }
    }
}
