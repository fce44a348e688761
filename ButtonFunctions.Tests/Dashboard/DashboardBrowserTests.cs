using System.Net.Http.Json;
using ButtonFunctions.Tests.EndToEnd;
using LocalIssuer;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ButtonFunctions.Tests.Dashboard;

/// <summary>
/// LocalMongo + LocalIssuer (with the dashboard's SPA client) + the real worker under LocalHost, and Debian's
/// Chromium driven by Playwright. Playwright never downloads a browser here: it launches /usr/bin/chromium.
/// </summary>
public sealed class BrowserFixture : AppFixture, IAsyncLifetime
{
    public const string SpaClientId = "dashboard-spa";
    public const string ChromiumPath = "/usr/bin/chromium";
    private const int LowMillivolts = 2000;

    public IPlaywright Playwright { get; private set; } = null!;

    public Uri DashboardUrl => new(Host.BaseAddress, "dashboard/");

    /// <summary>Where the tests leave screenshots: the test output directory, never the repository.</summary>
    public static string ArtifactsDirectory => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestArtifacts")).FullName;

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Dashboard__ClientId"] = SpaClientId;
        settings["Battery__LowMillivolts"] = LowMillivolts.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public new async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The browser tests need Debian's Chromium at {ChromiumPath}: apt-get install -y chromium (.ci/run does).");
        }

        await base.InitializeAsync();
        var dashboard = DashboardUrl.AbsoluteUri;
        Issuer.RegisterSpaClient(new LocalIssuerSpaClient(SpaClientId, [dashboard], [dashboard], [DashboardUrl.GetLeftPart(UriPartial.Authority)], ["read:clicks"]));

        // Belt and braces: nothing in this process may fetch a browser build.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
    }

    /// <summary>A fresh Chromium with a fresh profile (user-data dir) of its own; deleted when disposed.</summary>
    public async Task<BrowserSession> LaunchAsync(int width = 1280, int height = 900)
    {
        var profile = Directory.CreateTempSubdirectory("dashboard-chromium-").FullName;
        var context = await Playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        return new BrowserSession(context, profile);
    }

    /// <summary>Stores clicks through the real ingest endpoint, as the AWS IoT rule would send them.</summary>
    public async Task SendAsync(params object[] clicks)
    {
        using var response = await Client.PostAsJsonAsync(new Uri("/api/clicks", UriKind.Relative), clicks);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static object Mqtt(string device, string type, DateTimeOffset at) =>
        new { deviceId = device, clickType = type, timestamp = at.ToString("O"), traceId = Guid.NewGuid().ToString() };

    public static object OneClick(string device, string type, double remainingLife, DateTimeOffset at) =>
        new
        {
            deviceEvent = new { buttonClicked = new { clickType = type, reportedTime = at.ToString("O") } },
            deviceInfo = new { type = "button", deviceId = device, remainingLife, attributes = new { } },
        };

    public static object Classic(string serial, string type, int millivolts, DateTimeOffset at) =>
        new { serialNumber = serial, clickType = type, batteryVoltage = $"{millivolts}mV", receivedAtMs = at.ToUnixTimeMilliseconds(), traceId = Guid.NewGuid().ToString() };

    public new async Task DisposeAsync()
    {
        Playwright?.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>One browser (context + profile directory) for one test.</summary>
public sealed class BrowserSession(IBrowserContext context, string profile) : IAsyncDisposable
{
    public IBrowserContext Context => context;

    public async ValueTask DisposeAsync()
    {
        await context.CloseAsync();
        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be writing its last files; the temp directory is cleaned by the system.
        }
    }
}

/// <summary>The dashboard as a person uses it, in headless Chromium.</summary>
public sealed class DashboardBrowserTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Sign_in_watch_live_clicks_filter_page_older_see_low_battery_and_sign_out()
    {
        var now = DateTimeOffset.UtcNow;
        var seeded = new List<object>();
        for (var i = 0; i < 60; i++)
        {
            seeded.Add(BrowserFixture.Mqtt("hall-button", i % 3 == 0 ? "DOUBLE" : "SINGLE", now.AddMinutes(-10 - i)));
        }

        for (var i = 0; i < 5; i++)
        {
            seeded.Add(BrowserFixture.Classic("G030JF055364KTCH", "LONG", 1650 - i, now.AddMinutes(-90 - i)));
            seeded.Add(BrowserFixture.Classic("G030JF055364GRGE", "SINGLE", 2900, now.AddMinutes(-100 - i)));
        }

        await app.SendAsync([.. seeded]);

        await using var browser = await app.LaunchAsync();
        var page = await browser.Context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning") problems.Add(message.Text);
        };
        page.PageError += (_, error) => problems.Add(error);

        // Signed out: the page says what to do.
        await page.GotoAsync(app.DashboardUrl.AbsoluteUri);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to see your clicks" })).ToBeVisibleAsync();

        // Sign in through LocalIssuer's development login page (authorization code + PKCE).
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByText("local development stand-in for Auth0")).ToBeVisibleAsync();
        Assert.StartsWith(app.Issuer.Authority.AbsoluteUri + "u/login", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("User name").FillAsync("ada");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.Locator("#user")).ToHaveTextAsync("ada", new() { Timeout = (float)Wait.TotalMilliseconds });
        var timeline = page.Locator("#timeline > li");
        await Expect(timeline).ToHaveCountAsync(50, new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(page).ToHaveURLAsync(app.DashboardUrl.AbsoluteUri); // the callback's code and state are gone from the address

        // Tokens live in this tab's sessionStorage, never in localStorage.
        Assert.Equal(0, await page.EvaluateAsync<int>("localStorage.length"));
        Assert.True(await page.EvaluateAsync<bool>("Object.keys(sessionStorage).some(k => k.startsWith('@@auth0spajs@@'))"));

        // Low battery: a warning above everything, and on the device's row.
        await Expect(page.Locator("#low-battery")).ToContainTextAsync("G030JF055364KTCH");
        var kitchen = page.Locator("#devices-body tr[data-device='G030JF055364KTCH']");
        await Expect(kitchen).ToHaveClassAsync("low");
        await Expect(kitchen).ToContainTextAsync("Low battery");
        await Expect(page.Locator("#devices-body tr[data-device='G030JF055364GRGE']")).Not.ToContainTextAsync("Low battery");
        await Expect(page.Locator("#total-low")).ToHaveTextAsync("1");

        // Live: clicks sent now appear without a reload.
        await page.EvaluateAsync("window.__sameDocument = true");
        await app.SendAsync(BrowserFixture.Mqtt("live-button", "LONG", DateTimeOffset.UtcNow), BrowserFixture.Mqtt("live-button", "SINGLE", DateTimeOffset.UtcNow));
        await Expect(page.Locator("#timeline > li[data-device='live-button']")).ToHaveCountAsync(2, new() { Timeout = (float)Wait.TotalMilliseconds });
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the page reloaded");
        await Expect(page.Locator("#timeline > li").First).ToHaveAttributeAsync("data-device", "live-button");

        // Older clicks, page by page (keyset cursor), until there are none.
        await page.GetByRole(AriaRole.Button, new() { Name = "Show older clicks" }).ClickAsync();
        await Expect(timeline).ToHaveCountAsync(72, new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show older clicks" })).ToBeHiddenAsync();

        await SaveScreenshotAsync(page, "dashboard.png");

        // Filter by device, with the keyboard; the filter is in the address, so the view can be shared.
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Device", Exact = true }).FocusAsync();
        await page.Keyboard.TypeAsync("G030JF055364KTCH");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/dashboard/\\?device=G030JF055364KTCH$"));
        await Expect(timeline).ToHaveCountAsync(5, new() { Timeout = (float)Wait.TotalMilliseconds });
        foreach (var device in await timeline.EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.device)"))
        {
            Assert.Equal("G030JF055364KTCH", device);
        }

        await page.ReloadAsync();
        await Expect(timeline).ToHaveCountAsync(5, new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(page.GetByRole(AriaRole.Combobox, new() { Name = "Device", Exact = true })).ToHaveValueAsync("G030JF055364KTCH");

        // Phone width: everything fits the screen's width (the devices table scrolls inside its own region).
        await page.SetViewportSizeAsync(390, 844);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
            "the page scrolls sideways at phone width");
        await SaveScreenshotAsync(page, "dashboard-phone.png");

        // Sign out: back to the signed-out page, tokens gone, and the issuer's session ended too.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to see your clicks" })).ToBeVisibleAsync();
        Assert.False(await page.EvaluateAsync<bool>("Object.keys(sessionStorage).some(k => k.startsWith('@@auth0spajs@@'))"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByText("local development stand-in for Auth0")).ToBeVisibleAsync();

        Assert.DoesNotContain(problems, p => p.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || p.Contains("Refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_expired_session_asks_to_sign_in_again()
    {
        await using var browser = await app.LaunchAsync();
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(app.DashboardUrl.AbsoluteUri);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByLabel("User name").FillAsync("grace");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#user")).ToHaveTextAsync("grace");

        // What the API answers once the token expired (or was revoked): the page stops and says what to do.
        await page.RouteAsync("**/api/clicks**", route => route.FulfillAsync(new()
        {
            Status = 401,
            ContentType = "application/problem+json",
            Body = "{\"status\":401,\"title\":\"Unauthorized\"}",
        }));
        await Expect(page.Locator("#status")).ToContainTextAsync("Your session has expired", new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(page.Locator("#status").GetByRole(AriaRole.Button, new() { Name = "Sign in again" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_store_outage_is_shown_with_a_retry_and_recovers_by_itself()
    {
        await using var browser = await app.LaunchAsync();
        var page = await browser.Context.NewPageAsync();
        await page.RouteAsync("**/api/clicks**", route => route.FulfillAsync(new()
        {
            Status = 503,
            ContentType = "application/problem+json",
            Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
            Body = "{\"status\":503,\"type\":\"urn:buttonfunctions:problem:store-unavailable\",\"title\":\"Store unavailable\"}",
        }));
        await page.GotoAsync(app.DashboardUrl.AbsoluteUri);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByLabel("User name").FillAsync("linus");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.Locator("#status")).ToContainTextAsync("The click store is not answering right now", new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(page.Locator("#status").GetByRole(AriaRole.Button, new() { Name = "Retry now" })).ToBeVisibleAsync();

        await page.UnrouteAllAsync();
        await Expect(page.Locator("#status")).ToBeHiddenAsync(new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(page.Locator("#dashboard")).Not.ToHaveAttributeAsync("aria-busy", "true");
    }

    /// <summary>Test artifact under the test output directory.</summary>
    private static async Task SaveScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, name), FullPage = true });
}

/// <summary>A day of simulated data in a store of its own (its counts would disturb the scenario above).</summary>
public sealed class DashboardDayTests(BrowserFixture app) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A day of simulated clicks from six buttons of the three kinds (classic with millivolts, 1-Click with remaining
    /// life, MQTT without a battery): the summary the page shows must match what was sent. Its picture is the
    /// README's (docs/dashboard.png, written when BUTTONS_DASHBOARD_SCREENSHOT names the file).
    /// </summary>
    [Fact]
    public async Task A_day_of_simulated_clicks_is_summed_up_per_device_with_its_battery()
    {
        var random = new Random(20261201);
        var now = DateTimeOffset.UtcNow;
        string[] types = ["SINGLE", "SINGLE", "SINGLE", "DOUBLE", "DOUBLE", "LONG"];
        var clicks = new List<object>();
        void Add(int count, Func<DateTimeOffset, string, object> make)
        {
            for (var i = 0; i < count; i++)
            {
                // Busier in the evening, like a household's buttons.
                var hoursAgo = random.NextDouble() < 0.4 ? random.NextDouble() * 5 : random.NextDouble() * 23.5;
                clicks.Add(make(now.AddHours(-hoursAgo - 0.05), types[random.Next(types.Length)]));
            }
        }

        Add(70, (at, type) => BrowserFixture.Classic("G030JF055364XVRB", type, 2950, at));
        Add(40, (at, type) => BrowserFixture.Classic("G030JF055364LOWB", type, 1820, at));
        Add(55, (at, type) => BrowserFixture.OneClick("G030PM0123456789", type, 64, at));
        Add(25, (at, type) => BrowserFixture.OneClick("G030PM0987654321", type, 6, at));
        Add(60, (at, type) => BrowserFixture.Mqtt("esp32-hall-1", type, at));
        Add(30, (at, type) => BrowserFixture.Mqtt("esp32-garage", type, at));
        foreach (var batch in clicks.Chunk(100))
        {
            await app.SendAsync(batch);
        }

        await using var browser = await app.LaunchAsync(1280, 1000);
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(app.DashboardUrl.AbsoluteUri);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByLabel("User name").FillAsync("owner@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        var rows = page.Locator("#devices-body tr");
        foreach (var device in new[] { "G030JF055364XVRB", "G030JF055364LOWB", "G030PM0123456789", "G030PM0987654321", "esp32-hall-1", "esp32-garage" })
        {
            await Expect(rows.And(page.Locator($"[data-device='{device}']"))).ToHaveCountAsync(1, new() { Timeout = (float)Wait.TotalMilliseconds });
        }

        await Expect(page.Locator("#devices-body tr[data-device='G030JF055364LOWB']")).ToContainTextAsync("Low battery");
        await Expect(page.Locator("#devices-body tr[data-device='G030PM0987654321']")).ToContainTextAsync("Low battery");
        await Expect(page.Locator("#devices-body tr[data-device='G030PM0123456789']")).ToContainTextAsync("64 % life left");
        await Expect(page.Locator("#devices-body tr[data-device='G030JF055364XVRB']")).Not.ToContainTextAsync("Low battery");
        await Expect(page.Locator("#devices-body tr[data-device='esp32-hall-1'] td.num").First).ToHaveTextAsync("60");
        await Expect(page.Locator("#timeline > li")).ToHaveCountAsync(50);
        await Expect(page.Locator("#chart canvas")).ToBeVisibleAsync();

        var total = int.Parse((await page.Locator("#total-clicks").TextContentAsync())!.Replace(",", "", StringComparison.Ordinal),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(clicks.Count, total);

        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ArtifactsDirectory, "dashboard-day.png") });
        if (Environment.GetEnvironmentVariable("BUTTONS_DASHBOARD_SCREENSHOT") is { Length: > 0 } readme)
        {
            await page.ScreenshotAsync(new() { Path = readme });
        }
    }
}
