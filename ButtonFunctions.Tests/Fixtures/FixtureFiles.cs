using System.Runtime.CompilerServices;

namespace ButtonFunctions.Tests.Fixtures;

/// <summary>Example messages (copied from the documentation-derived fixtures), read from the source tree.</summary>
internal static class FixtureFiles
{
    public static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(Directory(), name));

    public static string ReadText(string name) => File.ReadAllText(Path.Combine(Directory(), name));

    private static string Directory([CallerFilePath] string thisFile = "") => Path.GetDirectoryName(thisFile)!;
}
