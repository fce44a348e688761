using System.Buffers.Binary;
using System.Text;
using LocalMongo.Commands;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;

namespace LocalMongo.Wire;

/// <summary>A request the connection could not parse: the connection is closed, as mongod does.</summary>
internal sealed class MalformedMessageException : Exception
{
    public MalformedMessageException()
    {
    }

    public MalformedMessageException(string message)
        : base(message)
    {
    }

    public MalformedMessageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>One command received: from OP_MSG (database in <c>$db</c>) or the OP_QUERY handshake.</summary>
internal sealed record WireRequest(int RequestId, int OpCode, BsonDocument Command, string? LegacyDatabase, bool MoreToCome);

/// <summary>
/// MongoDB wire protocol framing: OP_MSG (kind-0 body, kind-1 document sequences, checksum tolerated,
/// moreToCome honoured) and OP_QUERY / OP_REPLY for the handshake. BSON itself is read and written by
/// MongoDB.Bson.
/// </summary>
internal static class WireProtocol
{
    public const int HeaderLength = 16;
    public const int OpReply = 1;
    public const int OpQuery = 2004;
    public const int OpCompressed = 2012;
    public const int OpMsg = 2013;

    /// <summary>mongod refuses BSON nested deeper than this; it also keeps recursive deserialization safe.</summary>
    public const int MaxNestingDepth = 200;

    private const uint ChecksumPresent = 1;
    private const uint MoreToCome = 2;

    // Bits 0-15 are "required": a receiver must fail on one it does not know. We know 0 and 1.
    private const uint UnknownRequiredBits = 0xFFFC;

    private static readonly BsonBinaryReaderSettings ReaderSettings = new() { MaxDocumentSize = CommandDispatcher.MaxMessageSizeBytes };
    private static readonly BsonBinaryWriterSettings WriterSettings = new() { MaxDocumentSize = CommandDispatcher.MaxMessageSizeBytes };

    /// <summary>Parses the part of a message after its 16-byte header.</summary>
    public static WireRequest Parse(int requestId, int opCode, byte[] body, int length) => opCode switch
    {
        OpMsg => ParseOpMsg(requestId, body, length),
        OpQuery => ParseOpQuery(requestId, body, length),
        OpCompressed => throw new MalformedMessageException("OP_COMPRESSED although no compressor was offered"),
        _ => throw new MalformedMessageException($"unsupported opCode {opCode}"),
    };

    private static WireRequest ParseOpMsg(int requestId, byte[] body, int length)
    {
        if (length < 5)
        {
            throw new MalformedMessageException("OP_MSG too short");
        }

        var flags = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if ((flags & UnknownRequiredBits) != 0)
        {
            throw new MalformedMessageException($"OP_MSG has unknown required flag bits {flags:x}");
        }

        // The CRC-32C checksum is tolerated, not verified: TCP already protects this loopback traffic.
        var end = (flags & ChecksumPresent) != 0 ? length - 4 : length;
        var position = 4;
        BsonDocument? command = null;
        List<(string Name, BsonArray Documents)>? sequences = null;
        while (position < end)
        {
            var kind = body[position++];
            switch (kind)
            {
                case 0:
                    if (command is not null)
                    {
                        throw new MalformedMessageException("OP_MSG has more than one body section");
                    }

                    command = ReadDocument(body, position, end, out var size);
                    position += size;
                    break;
                case 1:
                    if (end - position < 4)
                    {
                        throw new MalformedMessageException("truncated document sequence");
                    }

                    var sectionEnd = position + BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(position));
                    if (sectionEnd > end || sectionEnd < position + 5)
                    {
                        throw new MalformedMessageException("document sequence size out of range");
                    }

                    var nameEnd = Array.IndexOf(body, (byte)0, position + 4, sectionEnd - position - 4);
                    if (nameEnd < 0)
                    {
                        throw new MalformedMessageException("document sequence identifier not terminated");
                    }

                    var name = Encoding.UTF8.GetString(body, position + 4, nameEnd - position - 4);
                    var documents = new BsonArray();
                    position = nameEnd + 1;
                    while (position < sectionEnd)
                    {
                        documents.Add(ReadDocument(body, position, sectionEnd, out var docSize));
                        position += docSize;
                    }

                    (sequences ??= []).Add((name, documents));
                    break;
                default:
                    throw new MalformedMessageException($"unknown OP_MSG section kind {kind}");
            }
        }

        if (command is null)
        {
            throw new MalformedMessageException("OP_MSG without a body section");
        }

        foreach (var (name, documents) in sequences ?? [])
        {
            if (command.Contains(name))
            {
                throw new MalformedMessageException($"document sequence '{name}' duplicates a body field");
            }

            command.Add(name, documents);
        }

        return new WireRequest(requestId, OpMsg, command, null, (flags & MoreToCome) != 0);
    }

    private static WireRequest ParseOpQuery(int requestId, byte[] body, int length)
    {
        var nameEnd = length > 4 ? Array.IndexOf(body, (byte)0, 4, length - 4) : -1;
        if (nameEnd < 0 || nameEnd + 9 > length)
        {
            throw new MalformedMessageException("OP_QUERY collection name not terminated");
        }

        var fullName = Encoding.UTF8.GetString(body, 4, nameEnd - 4);
        var query = ReadDocument(body, nameEnd + 9, length, out _);

        // Drivers may wrap the command as { $query: {...}, $readPreference: {...} }.
        if (query.GetValue("$query", BsonNull.Value) is BsonDocument wrapped)
        {
            query = wrapped;
        }

        var dot = fullName.IndexOf('.', StringComparison.Ordinal);
        return new WireRequest(requestId, OpQuery, query, dot < 0 ? fullName : fullName[..dot], false);
    }

    private static BsonDocument ReadDocument(byte[] buffer, int offset, int end, out int size)
    {
        if (end - offset < 5)
        {
            throw new MalformedMessageException("truncated BSON document");
        }

        size = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset));
        if (size < 5 || size > end - offset)
        {
            throw new MalformedMessageException("BSON document size out of range");
        }

        try
        {
            using (var stream = new MemoryStream(buffer, offset, size, writable: false))
            using (var reader = new BsonBinaryReader(stream, ReaderSettings))
            {
                CheckNesting(reader);
            }

            using (var stream = new MemoryStream(buffer, offset, size, writable: false))
            using (var reader = new BsonBinaryReader(stream, ReaderSettings))
            {
                var document = BsonDocumentSerializer.Instance.Deserialize(BsonDeserializationContext.CreateRoot(reader));
                if (stream.Position != size)
                {
                    throw new MalformedMessageException("BSON document length does not match its content");
                }

                return document;
            }
        }
        catch (Exception e) when (e is FormatException or BsonException or EndOfStreamException or IOException or ArgumentException or InvalidOperationException)
        {
            throw new MalformedMessageException("invalid BSON: " + e.Message, e);
        }
    }

    /// <summary>Walks the document without building it (no recursion) to refuse excessive nesting.</summary>
    private static void CheckNesting(BsonBinaryReader reader)
    {
        var inArray = new Stack<bool>();
        reader.ReadStartDocument();
        inArray.Push(false);
        while (inArray.Count > 0)
        {
            var type = reader.ReadBsonType();
            if (type == BsonType.EndOfDocument)
            {
                if (inArray.Pop())
                {
                    reader.ReadEndArray();
                }
                else
                {
                    reader.ReadEndDocument();
                }

                continue;
            }

            // Inside an array the reader consumes the element name itself.
            if (!inArray.Peek())
            {
                reader.SkipName();
            }

            switch (type)
            {
                case BsonType.Document:
                    reader.ReadStartDocument();
                    inArray.Push(false);
                    break;
                case BsonType.Array:
                    reader.ReadStartArray();
                    inArray.Push(true);
                    break;
                default:
                    reader.SkipValue();
                    break;
            }

            if (inArray.Count > MaxNestingDepth)
            {
                throw new MalformedMessageException($"BSON nested deeper than {MaxNestingDepth} levels");
            }
        }
    }

    /// <summary>Serializes a reply for the request's opcode: OP_REPLY for OP_QUERY, else OP_MSG.</summary>
    public static ArraySegment<byte> BuildReply(WireRequest request, int replyId, BsonDocument reply)
    {
        var stream = new MemoryStream(512);
        stream.Write(new byte[HeaderLength]);
        int opCode;
        if (request.OpCode == OpQuery)
        {
            opCode = OpReply;
            Span<byte> prefix = stackalloc byte[20];
            BinaryPrimitives.WriteInt32LittleEndian(prefix, 8); // AwaitCapable, as mongod sets it
            BinaryPrimitives.WriteInt64LittleEndian(prefix[4..], 0); // cursorID
            BinaryPrimitives.WriteInt32LittleEndian(prefix[12..], 0); // startingFrom
            BinaryPrimitives.WriteInt32LittleEndian(prefix[16..], 1); // numberReturned
            stream.Write(prefix);
        }
        else
        {
            opCode = OpMsg;
            stream.Write([0, 0, 0, 0, 0]); // flagBits, then section kind 0
        }

        var writer = new BsonBinaryWriter(stream, WriterSettings);
        BsonDocumentSerializer.Instance.Serialize(BsonSerializationContext.CreateRoot(writer), reply);
        writer.Flush();
        var length = (int)stream.Length;
        var buffer = stream.GetBuffer();
        writer.Dispose();
        BinaryPrimitives.WriteInt32LittleEndian(buffer, length);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4), replyId);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(8), request.RequestId);
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(12), opCode);
        return new ArraySegment<byte>(buffer, 0, length);
    }
}
