using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ButtonFunctions.Clicks;

namespace ButtonFunctions.Ingest.Payloads;

/// <summary>
/// Typed, bounded access to the fields of one JSON object of a click. Field names match case-insensitively (the MQTT
/// shape needs it; the AWS shapes are unaffected); a name present twice under different casings is refused as
/// ambiguous, and an explicit null counts as absent. Every refusal names the field's path; the first one is kept in
/// <see cref="FirstError"/>, because one clear reason per click is what a sender needs.
/// </summary>
internal sealed partial class JsonFieldReader
{
    private readonly JsonElement _object;
    private readonly string _path;
    private readonly Errors _errors;
    private readonly DateTimeOffset _receivedAt;
    private Dictionary<string, (JsonElement Value, bool Repeated)>? _properties;

    /// <summary>A reader for a click object that arrived at <paramref name="receivedAt"/> (the bound for times).</summary>
    public JsonFieldReader(JsonElement clickObject, DateTimeOffset receivedAt)
        : this(clickObject, string.Empty, new Errors(), receivedAt)
    {
    }

    private JsonFieldReader(JsonElement obj, string path, Errors errors, DateTimeOffset receivedAt)
    {
        _object = obj;
        _path = path;
        _errors = errors;
        _receivedAt = receivedAt;
    }

    /// <summary>The first problem found in this click (by this reader or any nested one), or null.</summary>
    public string? FirstError => _errors.First;

    /// <summary>What kind of problem <see cref="FirstError"/> is (a metric tag: a fixed set, never the text).</summary>
    public ClickProblem FirstProblem => _errors.FirstProblem;

    public bool Has(string name) => Find(name, out _);

    /// <summary>Records a problem that is not about one field (e.g. no shape matched).</summary>
    public void Fail(ClickProblem problem, string reason) => _errors.Add(problem, reason);

    public JsonFieldReader? Object(string name, bool required)
    {
        if (!Find(name, out var value))
        {
            return required ? Missing<JsonFieldReader>(name) : null;
        }

        return value.ValueKind == JsonValueKind.Object
            ? new JsonFieldReader(value, Path(name) + ".", _errors, _receivedAt)
            : WrongType<JsonFieldReader>(name, "an object", value);
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
            return Fail<string>(ClickProblem.EmptyField, $"'{Path(name)}' is empty");
        }

        if (text.Length > maxLength)
        {
            return Fail<string>(ClickProblem.TooLong, string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' is longer than {maxLength} characters"));
        }

        return HasControlCharacters(text) ? Fail<string>(ClickProblem.ControlCharacter, $"'{Path(name)}' contains control characters") : text;
    }

    public string? DeviceId(string name)
    {
        var id = String(name, required: true, PayloadLimits.MaxDeviceIdLength);
        return id is not null && id.Trim().Length != id.Length
            ? Fail<string>(ClickProblem.EmptyField, $"'{Path(name)}' has leading or trailing whitespace")
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
            _ => Fail<string>(ClickProblem.ClickType, $"'{Path(name)}' must be SINGLE, DOUBLE or LONG"),
        };
    }

    /// <summary>A battery voltage written like <c>"1705mV"</c> (the classic button's form), as millivolts.</summary>
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
            return FailValue<int>(ClickProblem.Battery, $"'{Path(name)}' must look like \"1705mV\"");
        }

        var millivolts = int.Parse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        return millivolts <= PayloadLimits.MaxMillivolts
            ? millivolts
            : FailValue<int>(ClickProblem.Battery, string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' is above {PayloadLimits.MaxMillivolts}mV"));
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
            : FailValue<double>(ClickProblem.OutOfRange, string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' must be between {min} and {max}"));
    }

    /// <summary>Whole milliseconds since 1970 (what the rule SQL's <c>timestamp()</c> gives), within the plausible range.</summary>
    public long? UnixMilliseconds(string name)
    {
        if (!Find(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var ms))
        {
            return FailValue<long>(ClickProblem.TimeFormat, $"'{Path(name)}' must be an integer number of milliseconds since 1970-01-01T00:00:00Z");
        }

        return ms >= PayloadLimits.EarliestTime.ToUnixTimeMilliseconds() && ms <= (_receivedAt + PayloadLimits.MaxClockSkew).ToUnixTimeMilliseconds()
            ? ms
            : FailValue<long>(ClickProblem.OutOfRange, OutOfRange(name));
    }

    /// <summary>
    /// An ISO-8601 / RFC 3339 date-time with an explicit zone (a time without one would be read in the server's zone).
    /// Devices also write the zone as +hhmm (strftime %z) and up to 9 fraction digits (nanosecond clocks); .NET reads
    /// neither, so those are rewritten to +hh:mm and 7 digits (its tick precision) first.
    /// </summary>
    public DateTimeOffset? Timestamp(string name) => Timestamp(name, out _);

    /// <summary>As <see cref="Timestamp(string)"/>; <paramref name="wholeSeconds"/> says the text had no fraction digits.</summary>
    public DateTimeOffset? Timestamp(string name, out bool wholeSeconds)
    {
        wholeSeconds = false;
        var text = String(name, required: false, 40);
        if (text is null)
        {
            return null;
        }

        var parts = IsoTimestampPattern().Match(text);
        var zone = parts.Groups["zone"].Value;
        var fraction = parts.Groups["fraction"].Value;
        var canonical = parts.Groups["main"].Value
            + (fraction.Length > 0 ? "." + fraction[..Math.Min(fraction.Length, 7)] : string.Empty)
            + (zone.Length == 5 ? zone[..3] + ":" + zone[3..] : zone);
        if (!parts.Success
            || !DateTimeOffset.TryParse(canonical, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return FailValue<DateTimeOffset>(ClickProblem.TimeFormat, $"'{Path(name)}' must be an ISO-8601 date-time with a zone, like 2018-05-04T23:26:33.747Z");
        }

        wholeSeconds = fraction.Length == 0;
        return time >= PayloadLimits.EarliestTime && time <= _receivedAt + PayloadLimits.MaxClockSkew
            ? time.ToUniversalTime()
            : FailValue<DateTimeOffset>(ClickProblem.OutOfRange, OutOfRange(name));
    }

    /// <summary>A flat object of string values (1-Click placement attributes and devices); its keys become BSON field names.</summary>
    public IReadOnlyDictionary<string, string>? StringMap(string name)
    {
        var map = Object(name, required: false);
        if (map is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in map._object.EnumerateObject())
        {
            if (result.Count == PayloadLimits.MaxMapEntries)
            {
                return Fail<IReadOnlyDictionary<string, string>>(ClickProblem.Map, string.Create(CultureInfo.InvariantCulture, $"'{Path(name)}' has more than {PayloadLimits.MaxMapEntries} entries"));
            }

            // Keys become BSON field names: no '$' prefix, no '.', nothing invisible.
            var key = property.Name;
            if (key.Length is 0 or > PayloadLimits.MaxNameLength || key.StartsWith('$') || key.Contains('.', StringComparison.Ordinal)
                || HasControlCharacters(key))
            {
                return Fail<IReadOnlyDictionary<string, string>>(ClickProblem.Map, $"'{Path(name)}' has an empty, overlong or unusable key (keys may not start with '$' or contain '.')");
            }

            if (map.String(property.Name, required: true, PayloadLimits.MaxMapValueLength, allowBlank: true) is not { } value)
            {
                return null;
            }

            result[property.Name] = value;
        }

        return result;
    }

    /// <summary>
    /// The one check for control characters in what a click carries: every character of Unicode category Cc, i.e.
    /// C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F, e.g. U+0085 NEL, U+009B CSI), exactly what
    /// <see cref="char.IsControl(char)"/> names. They are invisible, can rewrite a terminal or a log line, and would
    /// end up in ids and BSON field names.
    /// </summary>
    internal static bool HasControlCharacters(ReadOnlySpan<char> text) =>
        text.ContainsAnyInRange('\0', '\u001f') || text.ContainsAnyInRange('\u007f', '\u009f');

    private bool Find(string name, out JsonElement value)
    {
        value = default;
        if (!Properties.TryGetValue(name, out var property))
        {
            return false;
        }

        if (property.Repeated)
        {
            Fail<string>(ClickProblem.DuplicateField, $"'{Path(name)}' appears more than once");
            return false;
        }

        // An explicit null is treated as absent: the rules engine and devices use it for "no value".
        value = property.Value;
        return value.ValueKind != JsonValueKind.Null;
    }

    /// <summary>
    /// The object's properties by case-insensitive name, read once on the first lookup: a click is asked for about ten
    /// fields, and a scan per lookup would materialise every property name each time (bench/run.sh, README
    /// "Performance and reliability"). A name present more than once, in any casing, is marked repeated.
    /// </summary>
    private Dictionary<string, (JsonElement Value, bool Repeated)> Properties
    {
        get
        {
            if (_properties is null)
            {
                _properties = new Dictionary<string, (JsonElement, bool)>(StringComparer.OrdinalIgnoreCase);
                foreach (var property in _object.EnumerateObject())
                {
                    ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_properties, property.Name, out var exists);
                    entry = exists ? (entry.Value, true) : (property.Value, false);
                }
            }

            return _properties;
        }
    }

    private string Path(string name) => _path + name;

    private string OutOfRange(string name) =>
        $"'{Path(name)}' is out of range (from 2000-01-01 to one day after arrival)";

    private T? Missing<T>(string name) where T : class => Fail<T>(ClickProblem.MissingField, $"'{Path(name)}' is required");

    private T? WrongType<T>(string name, string expected, JsonElement actual) where T : class =>
        Fail<T>(ClickProblem.WrongType, $"'{Path(name)}' must be {expected}, not {JsonKinds.Describe(actual.ValueKind)}");

    private T? Fail<T>(ClickProblem problem, string reason) where T : class
    {
        _errors.Add(problem, reason);
        return null;
    }

    private T? FailValue<T>(ClickProblem problem, string reason) where T : struct
    {
        _errors.Add(problem, reason);
        return null;
    }

    [GeneratedRegex(@"\A([0-9]{1,5})mV\z", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MillivoltsPattern();

    [GeneratedRegex(@"\A(?<main>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.(?<fraction>[0-9]{1,9}))?(?<zone>Z|[+-][0-9]{2}:?[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTimestampPattern();

    /// <summary>The problems of one click; shared by the reader of the click and the readers of its nested objects.</summary>
    private sealed class Errors
    {
        public string? First { get; private set; }

        public ClickProblem FirstProblem { get; private set; }

        public void Add(ClickProblem problem, string reason)
        {
            if (First is null)
            {
                First = reason;
                FirstProblem = problem;
            }
        }
    }
}

/// <summary>How a JSON value's kind is named in messages to senders.</summary>
internal static class JsonKinds
{
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
