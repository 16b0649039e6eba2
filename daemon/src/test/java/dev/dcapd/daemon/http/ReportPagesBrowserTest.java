package dev.dcapd.daemon.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dcapd.daemon.Daemon;
import dev.dcapd.daemon.testing.LiveDaemon;
import dev.dcapd.testkit.Forge;
import dev.dcapd.testkit.ForgeSpec;
import dev.dcapd.testkit.ForgedCase;
import dev.dcapd.verifier.collateral.TcbStatus;
import dev.dcapd.verifier.quote.TeeType;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The report pages in a real browser: Debian's chromium, headless, driven by Selenium through
 * Debian's chromedriver (never a downloaded one: the paths are given, so Selenium Manager has
 * nothing to find). Skipped where either is not installed; CI installs both. Each test starts its
 * own daemon and browser and stops them, and saves a screenshot under
 * {@code target/screenshots/}.
 */
class ReportPagesBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;
  private LiveDaemon daemon;
  private ChromeDriverService service;
  private ChromeDriver browser;

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "chromium and chromedriver (Debian's chromium, chromium-driver) are not installed");
    daemon = LiveDaemon.startWithHttp(dir);
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogOutput(java.io.OutputStream.nullOutputStream())
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,2200", "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium")),
        "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
        "--disable-component-update", "--disable-sync");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    browser = new ChromeDriver(service, options);
    browser.manage().timeouts().pageLoadTimeout(WAIT).scriptTimeout(WAIT);
  }

  @AfterEach
  void stop() {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      try {
        if (service != null) {
          service.stop();
        }
      } finally {
        if (daemon != null) {
          daemon.close();
        }
      }
    }
  }

  @Test
  void uploadingAForgedQuoteLandsOnItsReport(TestInfo test) throws Exception {
    byte[] forged = PageQuotes.forgedTdx();
    Path file = Files.write(dir.resolve("forged.bin"), forged);
    String checksum = PageQuotes.checksum(forged);

    browser.get(daemon.httpUrl() + "/");
    WebDriverWait wait = new WebDriverWait(browser, WAIT);
    WebElement input = wait.until(ExpectedConditions.presenceOfElementLocated(By.id("file")));
    input.sendKeys(file.toAbsolutePath().toString());
    browser.findElement(By.id("verify")).click();
    wait.until(ExpectedConditions.urlToBe(daemon.httpUrl() + "/reports/" + checksum));
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("outcome")));

    assertEquals("Not verified", browser.findElement(By.id("outcome")).getText());
    assertEquals("INVALID_QUOTE_SIGNATURE", browser.findElement(By.id("failure-code")).getText());
    assertEquals(checksum, browser.findElement(By.id("checksum")).getText());
    assertTrue(browser.findElement(By.id("verdict")).getAttribute("class").contains("bad"));
    screenshot(test, "report");
    assertStyledWithoutViolations();

    // Back on the upload page, the quote is listed as not verified.
    browser.get(daemon.httpUrl() + "/");
    WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(
        By.xpath("//table[@id='recent']//tr[td/a[@href='/reports/" + checksum + "']]")));
    assertTrue(row.getText().contains("not verified INVALID_QUOTE_SIGNATURE"), row.getText());
    screenshot(test, "home");
  }

  @Test
  void reportsOpenedDirectlyShowTheirVerdicts(TestInfo test) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
    String forged = store(http, PageQuotes.forgedTdx());
    String tdx = store(http, LiveDaemon.TDX);
    assertEquals(LiveDaemon.TDX_CHECKSUM, tdx);
    WebDriverWait wait = new WebDriverWait(browser, WAIT);

    browser.get(daemon.httpUrl() + "/reports/" + forged);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("outcome")));
    assertEquals("Not verified", browser.findElement(By.id("outcome")).getText());
    assertEquals("INVALID_QUOTE_SIGNATURE", browser.findElement(By.id("failure-code")).getText());
    screenshot(test, "forged");

    browser.get(daemon.httpUrl() + "/reports/" + tdx);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("outcome")));
    assertEquals("Verified", browser.findElement(By.id("outcome")).getText());
    assertEquals("UpToDate", browser.findElement(By.id("tcb-status")).getText());
    assertTrue(browser.findElements(By.id("failure-code")).isEmpty());
    JsonNode view = JSON.readTree(get(http, PhalaApi.PREFIX + "view/" + tdx));
    assertEquals(view.at("/body/mrtd").textValue(), "0x" + browser.findElement(By.id("m-mrtd")).getText());
    assertEquals(view.at("/verdict/fmspc").textValue(), "0x" + browser.findElement(By.id("fmspc")).getText());
    // The timeline is drawn, with now marked on it.
    WebElement timeline = browser.findElement(By.id("timeline"));
    assertTrue(timeline.getSize().getHeight() > 50, "the timeline has rows: " + timeline.getSize());
    List<WebElement> now = timeline.findElements(By.cssSelector("text.tl-now"));
    assertEquals(1, now.size());
    assertTrue(now.get(0).getText().contains("now"), now.get(0).getText());
    assertTrue(browser.findElement(By.id("link-raw")).getAttribute("href").endsWith("/api/v1/attestations/raw/" + tdx));
    screenshot(test, "verified");
    assertStyledWithoutViolations();

    // The links lead where they say: the JSON view of the same quote.
    browser.findElement(By.id("link-json")).click();
    wait.until(ExpectedConditions.urlToBe(daemon.httpUrl() + "/api/v1/attestations/view/" + tdx));
    assertTrue(browser.getPageSource().contains("\"checksum\":\"" + tdx + "\""));
  }

  /**
   * Issue 28: an accepted verdict with warnings is amber, naming them; under an insecure root the
   * banner says "Insecure test root" in violet, never the green of a plain "Verified".
   */
  @Test
  void warningsAreAmberAndAnInsecureRootHasItsOwnColour(TestInfo test) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
    String sgx = store(http, daemon.httpUrl(), LiveDaemon.SGX);
    String tdx = store(http, daemon.httpUrl(), LiveDaemon.TDX);
    WebDriverWait wait = new WebDriverWait(browser, WAIT);

    browser.get(daemon.httpUrl() + "/reports/" + tdx);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("outcome")));
    String green = browser.findElement(By.id("verdict")).getCssValue("background-color");

    browser.get(daemon.httpUrl() + "/reports/" + sgx);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("outcome")));
    assertEquals("Verified with warnings", browser.findElement(By.id("outcome")).getText());
    String warnings = browser.findElement(By.id("warnings")).getText();
    assertTrue(warnings.contains("ConfigurationAndSWHardeningNeeded INTEL-SA-00289 INTEL-SA-00615"), warnings);
    assertEquals("rgba(255, 243, 214, 1)", browser.findElement(By.id("verdict")).getCssValue("background-color"));
    screenshot(test, "amber");
    assertStyledWithoutViolations();

    ForgedCase outOfDate = Forge.forge(ForgeSpec.builder().tee(TeeType.TDX).tcbStatus(TcbStatus.OUT_OF_DATE).build());
    try (Daemon insecure = ReportPagesTest.forgedDaemon(Files.createDirectories(dir.resolve("insecure")), outOfDate,
        "{\"name\": \"lenient\", \"tcb_status\": [\"UpToDate\", \"OutOfDate\"]}")) {
      String root = "http://127.0.0.1:" + insecure.httpAddress().orElseThrow().getPort();
      String checksum = store(http, root, outOfDate.quoteBytes());
      browser.get(root + "/reports/" + checksum);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("outcome")));
      assertEquals("Insecure test root", browser.findElement(By.id("outcome")).getText());
      String colour = browser.findElement(By.id("verdict")).getCssValue("background-color");
      assertEquals("rgba(242, 234, 250, 1)", colour);
      assertFalse(colour.equals(green), "not the green of a plain Verified: " + green);
      assertTrue(browser.findElement(By.id("insecure-root")).getText().endsWith("the quote verified."));
      screenshot(test, "insecure");
      assertStyledWithoutViolations();
    }
  }

  /** The stylesheet applied, and the browser reported no Content-Security-Policy violation or script error. */
  private void assertStyledWithoutViolations() {
    String header = browser.findElement(By.cssSelector("header.top")).getCssValue("background-color");
    assertEquals("rgba(29, 35, 48, 1)", header, "dcapd.css is applied");
    for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
      String m = e.getMessage();
      // The only request a page makes that has no answer is the browser's own favicon.ico.
      assertFalse(e.getLevel().intValue() >= Level.WARNING.intValue() && !m.contains("favicon.ico"), m);
    }
  }

  private String store(HttpClient http, byte[] quote) throws Exception {
    return store(http, daemon.httpUrl(), quote);
  }

  private String store(HttpClient http, String root, byte[] quote) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(root + PhalaApi.PREFIX + "verify"))
        .timeout(WAIT).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(quote)).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() == 200 || r.statusCode() == 400, r.body());
    return JSON.readTree(r.body()).get("checksum").textValue();
  }

  private String get(HttpClient http, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(daemon.httpUrl() + path)).timeout(WAIT).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  /** Saves what the browser shows as {@code target/screenshots/<class>-<test>-<what>.png}, a test artifact. */
  private void screenshot(TestInfo test, String what) throws Exception {
    Path folder = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target", "screenshots"));
    String name = getClass().getSimpleName() + "-" + test.getTestMethod().orElseThrow().getName()
        + "-" + what + ".png";
    File shot = browser.getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), folder.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
