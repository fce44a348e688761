using ButtonFunctions.Ingest.Payloads;

namespace ButtonFunctions.Ingest;

/// <summary>
/// An MQTT topic that names the device publishing on it, such as <c>iotbutton/{deviceId}</c>: levels separated by
/// <c>/</c>, exactly one level is <c>{deviceId}</c>, a level <c>+</c> matches any one level, every other level matches
/// itself (case-sensitively, as MQTT topics do). The topic is what AWS IoT saw the message published to, which the
/// device's IoT policy allows; the device id in the body is whatever the device wrote. When a click's topic matches a
/// pattern, the two must agree (README, "POST /api/clicks").
/// </summary>
internal sealed class DeviceTopicPattern
{
    /// <summary>The placeholder level.</summary>
    public const string DevicePlaceholder = "{deviceId}";

    /// <summary>The classic AWS IoT Button's topic, the template's default topic filter <c>iotbutton/+</c>.</summary>
    public const string Default = "iotbutton/" + DevicePlaceholder;

    /// <summary>The value of <c>Ingest:DeviceTopicPatterns</c> that switches the check off.</summary>
    public const string None = "none";

    private readonly string[] _levels;
    private readonly int _deviceLevel;

    private DeviceTopicPattern(string text, string[] levels, int deviceLevel)
    {
        Text = text;
        _levels = levels;
        _deviceLevel = deviceLevel;
    }

    public string Text { get; }

    /// <summary>
    /// The patterns <c>Ingest:DeviceTopicPatterns</c> asks for: <see cref="Default"/> when it is empty (not configured),
    /// none for <see cref="None"/>. The settings are validated at start-up, so an invalid entry here is a bug.
    /// </summary>
    public static IReadOnlyList<DeviceTopicPattern> FromSettings(IList<string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IEnumerable<string> texts = settings.Count == 0 ? [Default] : settings;
        return texts.Where(t => t != None)
            .Select(t => Parse(t, out var error) ?? throw new ArgumentException($"'{t}' is not a device topic pattern: it {error}.", nameof(settings)))
            .ToArray();
    }

    /// <summary>The pattern, or null and why it is not one.</summary>
    public static DeviceTopicPattern? Parse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var levels = text.Split('/');
        var deviceLevels = levels.Select((level, index) => (level, index)).Where(l => l.level == DevicePlaceholder).ToList();
        error = text.Length is 0 or > PayloadLimits.MaxTopicLength ? $"must be 1 to {PayloadLimits.MaxTopicLength} characters"
            : JsonFieldReader.HasControlCharacters(text) ? "contains control characters"
            : deviceLevels.Count != 1 ? $"must have exactly one level that is {DevicePlaceholder}"
            : levels.Any(l => l != DevicePlaceholder && (l.Contains('{', StringComparison.Ordinal) || l.Contains('}', StringComparison.Ordinal)))
                ? $"may contain braces only as the level {DevicePlaceholder}"
            : levels.Any(l => l.Contains('#', StringComparison.Ordinal)) ? "may not contain # (the device level must be at a fixed position)"
            : levels.Any(l => l != "+" && l.Contains('+', StringComparison.Ordinal)) ? "may use + only as a whole level"
            : null;
        return error is null ? new DeviceTopicPattern(text, levels, deviceLevels[0].index) : null;
    }

    /// <summary>Whether <paramref name="topic"/> has this pattern's shape; if so, <paramref name="deviceId"/> is the device it names.</summary>
    public bool TryMatch(string topic, out string deviceId)
    {
        ArgumentNullException.ThrowIfNull(topic);
        deviceId = string.Empty;
        var levels = topic.Split('/');
        if (levels.Length != _levels.Length)
        {
            return false;
        }

        for (var i = 0; i < levels.Length; i++)
        {
            if (i != _deviceLevel && _levels[i] != "+" && !string.Equals(levels[i], _levels[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        deviceId = levels[_deviceLevel];
        return true;
    }
}
