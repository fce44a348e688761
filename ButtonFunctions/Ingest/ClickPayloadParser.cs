using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Ingest;

/// <summary>Why a request body as a whole was refused (items of an accepted array carry their own errors).</summary>
internal enum ClickBatchError
{
    None,
    EmptyBody,
    InvalidJson,
    UnsupportedRoot,
    EmptyArray,
    TooManyClicks,
}

/// <summary>One element of the request: a normalised click, or the reason it was refused.</summary>
/// <param name="FreshId">The payload carried nothing stable, so its id is new and duplicates cannot be detected.</param>
internal sealed record ParsedClick(int Index, ClickEvent? Click, string? Error, bool FreshId = false);

/// <summary>The request body read as clicks: either a whole-body error or one entry per element.</summary>
internal sealed record ClickBatch(ClickBatchError Error, string? ErrorDetail, IReadOnlyList<ParsedClick> Items)
{
    public static ClickBatch Refused(ClickBatchError error, string detail) => new(error, detail, []);
}

/// <summary>
/// Reads every payload shape AWS IoT delivers (ARCHITECTURE.md §2) into <see cref="ClickEvent"/>s: classic
/// IoT Button, IoT 1-Click, either enriched by the rule SQL, and generic MQTT buttons. Field names are
/// matched case-insensitively (the MQTT shape requires it; the AWS shapes are unaffected); a field that
/// appears twice under different casings is refused as ambiguous. Unknown fields are ignored, because the
/// recommended rule is <c>SELECT *</c>.
/// </summary>
internal sealed partial class ClickPayloadParser(IOptions<IngestOptions> options)
{
    /// <summary>The deepest legitimate payload (array → 1-Click → placementInfo → attributes) is 4 levels.</summary>
    public const int MaxDepth = 16;
    public const int MaxDeviceIdLength = 128;
    public const int MaxTraceIdLength = 128;
    public const int MaxTopicLength = 256;
    public const int MaxNameLength = 128;
    /// <summary>AWS IoT 1-Click allows 50 placement attributes with values of up to 800 characters (empty = cleared).</summary>
    public const int MaxMapEntries = 50;
    public const int MaxMapValueLength = 800;
    public const int MaxMillivolts = 10_000;

    /// <summary>Earliest plausible click time; a device with an unset clock reports 1970.</summary>
    public static readonly DateTimeOffset EarliestTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far ahead of arrival a device or rules-engine clock may be.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(1);

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private readonly IngestOptions _options = options.Value;

    public ClickBatch Parse(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt, string? clientId)
    {
        // A UTF-8 byte order mark is legal in front of JSON text but not part of it.
        if (body.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            body = body[3..];
        }

        if (body.Span.TrimStart(" \t\r\n"u8).IsEmpty)
        {
            return ClickBatch.Refused(ClickBatchError.EmptyBody, "The request body is empty; send a click object or an array of them.");
        }

        // The JSON reader checks UTF-8 only when a string is materialised; refuse bad bytes up front instead.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return ClickBatch.Refused(ClickBatchError.InvalidJson, "The body is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            // The reader's message names the position and the problem (including "maximum depth"), never the content.
            return ClickBatch.Refused(ClickBatchError.InvalidJson, "The body is not valid JSON: " + Truncate(ex.Message, 200));
        }

        using (document)
        {
            if (HasLoneSurrogateEscape(body.Span))
            {
                return ClickBatch.Refused(ClickBatchError.InvalidJson, "The body holds a \\u escape that is a lone UTF-16 surrogate, which is not text.");
            }

            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    return new ClickBatch(ClickBatchError.None, null, [ParseItem(0, root, receivedAt, clientId)]);
                case JsonValueKind.Array:
                    var count = root.GetArrayLength();
                    if (count == 0)
                    {
                        return ClickBatch.Refused(ClickBatchError.EmptyArray, "The array is empty; send at least one click.");
                    }

                    if (count > _options.MaxEvents)
                    {
                        return ClickBatch.Refused(
                            ClickBatchError.TooManyClicks,
                            string.Create(CultureInfo.InvariantCulture, $"The array holds {count} clicks; at most {_options.MaxEvents} are accepted per request."));
                    }

                    var items = new List<ParsedClick>(count);
                    var index = 0;
                    foreach (var element in root.EnumerateArray())
                    {
                        items.Add(ParseItem(index++, element, receivedAt, clientId));
                    }

                    return new ClickBatch(ClickBatchError.None, null, items);
                default:
                    return ClickBatch.Refused(
                        ClickBatchError.UnsupportedRoot,
                        "The body must be a JSON object or an array of objects, not " + KindName(root.ValueKind) + ".");
            }
        }
    }

    /// <summary>
    /// Whether a string or property name escapes a lone surrogate (<c>"\ud800"</c>). Such JSON is well-formed,
    /// so the parser accepts it, but reading the string throws; check once up front, as for invalid UTF-8 bytes.
    /// </summary>
    internal static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }

        return false;
    }

    private static ParsedClick ParseItem(int index, JsonElement item, DateTimeOffset receivedAt, string? clientId)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return new ParsedClick(index, null, "must be a JSON object, not " + KindName(item.ValueKind));
        }

        var errors = new ErrorBox();
        var fields = new FieldReader(item, string.Empty, errors, receivedAt);

        var shapes = (fields.Has("serialNumber") ? 1 : 0) + (fields.Has("deviceEvent") ? 2 : 0) + (fields.Has("deviceId") ? 4 : 0);
        Draft? draft = shapes switch
        {
            _ when errors.First is not null => null,
            1 => ReadIotButton(fields),
            2 => ReadOneClick(fields),
            4 => ReadMqttButton(fields),
            0 => errors.Fail("unrecognised payload: expected 'serialNumber' (AWS IoT Button), 'deviceEvent' (AWS IoT 1-Click) or 'deviceId' (MQTT button)"),
            _ => errors.Fail("ambiguous payload: more than one of 'serialNumber', 'deviceEvent' and 'deviceId' is present"),
        };

        // Fields the topic rule's SQL adds to any shape.
        var topic = fields.String("topic", required: false, MaxTopicLength);
        var traceId = fields.String("traceId", required: false, MaxTraceIdLength);
        var receivedAtMs = fields.UnixMilliseconds("receivedAtMs");

        if (errors.First is not null || draft is null)
        {
            return new ParsedClick(index, null, errors.First ?? "invalid click");
        }

        var ruleTime = receivedAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        // The device's own time first: it travels inside the original payload, so a replay of an error-action
        // record (which carries the payload, not the rule's receivedAtMs) still finds the same id.
        var stableTime = draft.DeviceTime?.ToUnixTimeMilliseconds() ?? receivedAtMs;
        var id = traceId ?? (stableTime is { } t ? ClickId.FromContent(draft.DeviceId, draft.ClickType, t) : null);

        var click = new ClickEvent
        {
            Id = id ?? ClickId.Fresh(),
            DeviceId = draft.DeviceId,
            ClickType = draft.ClickType,
            OccurredAt = draft.DeviceTime ?? ruleTime ?? receivedAt,
            ReceivedAt = receivedAt,
            Source = draft.Source,
            BatteryMillivolts = draft.BatteryMillivolts,
            RemainingLife = draft.RemainingLife,
            Placement = draft.Placement,
            Topic = topic,
            TraceId = traceId,
            ClientId = clientId,
        };
        return new ParsedClick(index, click, null, FreshId: id is null);
    }

    private static Draft? ReadIotButton(FieldReader fields)
    {
        var deviceId = fields.DeviceId("serialNumber");
        var clickType = fields.ClickType("clickType");
        var millivolts = fields.Millivolts("batteryVoltage");
        return deviceId is null || clickType is null
            ? null
            : new Draft(ClickSources.IotButton, deviceId, clickType) { BatteryMillivolts = millivolts };
    }

    private static Draft? ReadOneClick(FieldReader fields)
    {
        var buttonClicked = fields.Object("deviceEvent", required: true)?.Object("buttonClicked", required: true);
        var clickType = buttonClicked?.ClickType("clickType");
        var reportedTime = buttonClicked?.Timestamp("reportedTime");

        var deviceInfo = fields.Object("deviceInfo", required: true);
        var deviceId = deviceInfo?.DeviceId("deviceId");
        var remainingLife = deviceInfo?.Number("remainingLife", 0, 100);

        ClickPlacement? placement = null;
        if (fields.Object("placementInfo", required: false) is { } placementInfo)
        {
            placement = new ClickPlacement(
                placementInfo.String("projectName", required: false, MaxNameLength),
                placementInfo.String("placementName", required: false, MaxNameLength),
                placementInfo.StringMap("attributes") ?? new Dictionary<string, string>(),
                placementInfo.StringMap("devices") ?? new Dictionary<string, string>());
        }

        return deviceId is null || clickType is null
            ? null
            : new Draft(ClickSources.IotOneClick, deviceId, clickType)
            {
                DeviceTime = reportedTime,
                RemainingLife = remainingLife,
                Placement = placement,
            };
    }

    private static Draft? ReadMqttButton(FieldReader fields)
    {
        var deviceId = fields.DeviceId("deviceId");
        var clickType = fields.ClickType("clickType");
        var timestamp = fields.Timestamp("timestamp");
        return deviceId is null || clickType is null
            ? null
            : new Draft(ClickSources.MqttButton, deviceId, clickType) { DeviceTime = timestamp };
    }

    private static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "…";

    private sealed record Draft(string Source, string DeviceId, string ClickType)
    {
        public DateTimeOffset? DeviceTime { get; init; }
        public int? BatteryMillivolts { get; init; }
        public double? RemainingLife { get; init; }
        public ClickPlacement? Placement { get; init; }
    }

    /// <summary>Keeps the first problem found in an item; one clear reason per item is what a sender needs.</summary>
    private sealed class ErrorBox
    {
        public string? First { get; private set; }

        public Draft? Fail(string reason)
        {
            First ??= reason;
            return null;
        }
    }

    /// <summary>Typed, bounded access to the fields of one JSON object; every refusal names the field's path.</summary>
    private sealed class FieldReader(JsonElement obj, string path, ErrorBox errors, DateTimeOffset receivedAt)
    {
        public JsonElement Element => obj;

        public bool Has(string name) => Find(name, out _);

        public FieldReader? Object(string name, bool required)
        {
            if (!Find(name, out var value))
            {
                return required ? Missing<FieldReader>(name) : null;
            }

            return value.ValueKind == JsonValueKind.Object
                ? new FieldReader(value, Path(name) + ".", errors, receivedAt)
                : WrongType<FieldReader>(name, "an object", value);
        }

        public string? String(string name, bool required, int maxLength, bool allowBlank = false)
        {
            if (!Find(name, out var value))
            {
                return required ? Missing<string>(name) : null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                return WrongType<string>(name, "a string", value);
            }

            var text = value.GetString()!;
            if (!allowBlank && string.IsNullOrWhiteSpace(text))
            {
                return Fail<string>($"'{Path(name)}' is empty");
            }

            if (text.Length > maxLength)
            {
                return Fail<string>(string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' is longer than {maxLength} characters"));
            }

            return text.AsSpan().ContainsAnyInRange('\0', '\u001f') || text.Contains('\u007f', StringComparison.Ordinal)
                ? Fail<string>($"'{Path(name)}' contains control characters")
                : text;
        }

        public string? DeviceId(string name)
        {
            var id = String(name, required: true, MaxDeviceIdLength);
            return id is not null && id.Trim().Length != id.Length
                ? Fail<string>($"'{Path(name)}' has leading or trailing whitespace")
                : id;
        }

        public string? ClickType(string name)
        {
            var text = String(name, required: true, 16);
            if (text is null)
            {
                return null;
            }

            return text.ToUpperInvariant() switch
            {
                ClickTypes.SingleClick => ClickTypes.SingleClick,
                ClickTypes.DoubleClick => ClickTypes.DoubleClick,
                ClickTypes.LongPress => ClickTypes.LongPress,
                _ => Fail<string>($"'{Path(name)}' must be SINGLE, DOUBLE or LONG"),
            };
        }

        public int? Millivolts(string name)
        {
            var text = String(name, required: false, 16);
            if (text is null)
            {
                return null;
            }

            var match = MillivoltsPattern().Match(text);
            if (!match.Success)
            {
                return FailValue<int>($"'{Path(name)}' must look like \"1705mV\"");
            }

            var millivolts = int.Parse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
            return millivolts <= MaxMillivolts
                ? millivolts
                : FailValue<int>(string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' is above {MaxMillivolts}mV"));
        }

        public double? Number(string name, double min, double max)
        {
            if (!Find(name, out var value))
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Number)
            {
                WrongType<string>(name, "a number", value);
                return null;
            }

            var number = value.GetDouble();
            return number >= min && number <= max
                ? number
                : FailValue<double>(string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' must be between {min} and {max}"));
        }

        public long? UnixMilliseconds(string name)
        {
            if (!Find(name, out var value))
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var ms))
            {
                return FailValue<long>($"'{Path(name)}' must be an integer number of milliseconds since 1970-01-01T00:00:00Z");
            }

            return ms >= EarliestTime.ToUnixTimeMilliseconds() && ms <= (receivedAt + MaxClockSkew).ToUnixTimeMilliseconds()
                ? ms
                : FailValue<long>(OutOfRange(name));
        }

        public DateTimeOffset? Timestamp(string name)
        {
            var text = String(name, required: false, 40);
            if (text is null)
            {
                return null;
            }

            // ISO-8601 / RFC 3339 with an explicit zone: a time without one would be read in the server's zone.
            // Devices also write the zone as +hhmm (strftime %z) and up to 9 fraction digits (nanosecond clocks);
            // .NET reads neither, so those are rewritten to +hh:mm and 7 digits (its tick precision) first.
            var parts = IsoTimestampPattern().Match(text);
            var zone = parts.Groups["zone"].Value;
            var fraction = parts.Groups["fraction"].Value;
            var canonical = parts.Groups["main"].Value
                + (fraction.Length > 0 ? "." + fraction[..Math.Min(fraction.Length, 7)] : string.Empty)
                + (zone.Length == 5 ? zone[..3] + ":" + zone[3..] : zone);
            if (!parts.Success
                || !DateTimeOffset.TryParse(canonical, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                return FailValue<DateTimeOffset>($"'{Path(name)}' must be an ISO-8601 date-time with a zone, like 2018-05-04T23:26:33.747Z");
            }

            return time >= EarliestTime && time <= receivedAt + MaxClockSkew
                ? time.ToUniversalTime()
                : FailValue<DateTimeOffset>(OutOfRange(name));
        }

        public IReadOnlyDictionary<string, string>? StringMap(string name)
        {
            var map = Object(name, required: false);
            if (map is null)
            {
                return null;
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in map.Element.EnumerateObject())
            {
                if (result.Count == MaxMapEntries)
                {
                    return Fail<IReadOnlyDictionary<string, string>>(string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' has more than {MaxMapEntries} entries"));
                }

                // Keys become BSON field names: no '$' prefix, no '.', nothing invisible.
                var key = property.Name;
                if (key.Length is 0 or > MaxNameLength || key.StartsWith('$') || key.Contains('.', StringComparison.Ordinal)
                    || key.AsSpan().ContainsAnyInRange('\0', '\u001f'))
                {
                    return Fail<IReadOnlyDictionary<string, string>>($"'{Path(name)}' has an empty, overlong or unusable key (keys may not start with '$' or contain '.')");
                }

                if (map.String(property.Name, required: true, MaxMapValueLength, allowBlank: true) is not { } value)
                {
                    return null;
                }

                result[property.Name] = value;
            }

            return result;
        }

        private bool Find(string name, out JsonElement value)
        {
            value = default;
            var found = false;
            foreach (var property in obj.EnumerateObject())
            {
                if (!string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (found)
                {
                    Fail<string>($"'{Path(name)}' appears more than once");
                    return false;
                }

                value = property.Value;
                found = true;
            }

            // An explicit null is treated as absent: the rules engine and devices use it for "no value".
            return found && value.ValueKind != JsonValueKind.Null;
        }

        private string Path(string name) => path + name;

        private string OutOfRange(string name) =>
            $"'{Path(name)}' is out of range (from 2000-01-01 to one day after arrival)";

        private T? Missing<T>(string name) where T : class => Fail<T>($"'{Path(name)}' is required");

        private T? WrongType<T>(string name, string expected, JsonElement actual) where T : class =>
            Fail<T>($"'{Path(name)}' must be {expected}, not {KindName(actual.ValueKind)}");

        private T? Fail<T>(string reason) where T : class
        {
            errors.Fail(reason);
            return null;
        }

        private T? FailValue<T>(string reason) where T : struct
        {
            errors.Fail(reason);
            return null;
        }
    }

    [GeneratedRegex("^([0-9]{1,5})mV$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MillivoltsPattern();

    [GeneratedRegex(@"^(?<main>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.(?<fraction>[0-9]{1,9}))?(?<zone>Z|[+-][0-9]{2}:?[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTimestampPattern();
}
