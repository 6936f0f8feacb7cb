package ai.huma.camel.runtime;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator page in a real browser: the distribution's Chromium, headless, driven by Selenium
 * through its chromedriver. The bundle runs with a management token; one event ends as a result and
 * one as a dead letter; the page lists both; Replay without the token, with a wrong one, and a POST
 * from another origin are refused; with the token, once Huma is back, the dead letter becomes a
 * result. Screenshots of the page (1280x900 and a phone's 390x844) go to target/; with
 * {@code -Dhuma.update-screenshots=true} also to docs/operator-page.png and docs/operator-page-phone.png,
 * the README's picture.
 * <p>
 * A machine without Chromium skips it, unless it is CI ({@code CI} set): .ci/run installs it, and there
 * the test must run.
 */
class OperatorPageIT extends HumaRoutesTestSupport {

    private static final Duration PAGE_WAIT = Duration.ofSeconds(20);

    private WebDriver browser;

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.management.token", MANAGEMENT_TOKEN,
                "huma.retry.initial-delay", "20",
                "huma.retry.max-redeliveries", "1");
    }

    @AfterAll
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theDeadLetterIsListedRefusedWithoutTheTokenAndReplayedWithIt() throws Exception {
        browser = startBrowser();
        HUMA.question("6a1b2c3d4e5f60718293a4b1", 250);
        HUMA.subscription("6a1b2c3d4e5f60718293a4b2", 120);
        HUMA.question("6a1b2c3d4e5f60718293a4b3", 40);
        HUMA.fail("/v1/questions/6a1b2c3d4e5f60718293a4b3/result", null, 503, Integer.MAX_VALUE);
        webhook(SimulatedWebhooks.question("6a1b2c3d4e5f60718293a4b1", "What were sales in 2023?"));
        webhook(SimulatedWebhooks.subscription("6a1b2c3d4e5f60718293a4b2"));
        webhook(SimulatedWebhooks.question("6a1b2c3d4e5f60718293a4b1", "What were sales in 2023?"));     // a repeat
        webhook(SimulatedWebhooks.question("6a1b2c3d4e5f60718293a4b3", "Sales by region"));
        awaitOutput("What_were_sales_in_2023_result.json");
        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterFiles().size() == 1);
        Path deadLetter = deadLetterFiles().get(0);
        String name = deadLetter.getFileName().toString();

        browser.get("http://127.0.0.1:" + managementPort + "/");
        WebDriverWait wait = new WebDriverWait(browser, PAGE_WAIT);
        wait.until(ExpectedConditions.textToBe(By.id("readiness"), "ready"));
        WebElement listed = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#dead-letters tr[data-name='" + name + "']")));
        assertThat(listed.getText()).contains("Questions/Computed", "6a1b2c3d4e5f60718293a4b3", "HTTP 503", "2");
        WebElement result = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#events tr[data-id='6a1b2c3d4e5f60718293a4b1'][data-outcome='result']")));
        assertThat(result.getText()).contains("Questions/Computed", "3", "250", "What_were_sales_in_2023_result.json");
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#events tr[data-id='6a1b2c3d4e5f60718293a4b2'][data-outcome='result']")));
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#events tr[data-id='6a1b2c3d4e5f60718293a4b1'][data-outcome='duplicate']")));
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#events tr[data-id='6a1b2c3d4e5f60718293a4b3'][data-outcome='dead letter']")));
        assertThat(browser.findElement(By.id("token-box")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("replay-off")).isDisplayed()).isFalse();
        screenshots();

        // Replay without the token, then with a wrong one: refused, the dead letter stays
        replay(name, "");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "wrong or missing token"));
        replay(name, "not-the-management-token-at-all");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "wrong or missing token"));
        // from another origin (as a page elsewhere would send it), even with the token: refused
        HttpResponse<String> crossOrigin = send(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + managementPort + "/operator/dead-letters/" + name + "/replay"))
                .header("Origin", "http://attacker.example")
                .header("X-Huma-Management-Token", MANAGEMENT_TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(crossOrigin.statusCode()).isEqualTo(403);
        assertThat(deadLetter).exists();

        // Huma is back: Replay with the token, and the dead letter becomes a result
        HUMA.recover();
        replay(name, MANAGEMENT_TOKEN);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "moved to the replay folder"));
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#events tr[data-id='6a1b2c3d4e5f60718293a4b3'][data-outcome='result']")));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("no-dead-letters")));
        assertThat(outputFiles()).contains("Sales_by_region_result.json");
        assertThat(deadLetterFiles()).isEmpty();
        assertThat(((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('huma-management-token')"))
                .as("kept in the tab for the next replay").isEqualTo(MANAGEMENT_TOKEN);
    }

    /** Types the token (none: empty), clears the last message and clicks the dead letter's Replay. */
    private void replay(String name, String token) {
        WebElement field = browser.findElement(By.id("token"));
        field.clear();
        if (!token.isEmpty()) {
            field.sendKeys(token);
        }
        ((JavascriptExecutor) browser).executeScript("document.getElementById('message').textContent = ''");
        // the list is redrawn when it changes: find the button again if it was
        new WebDriverWait(browser, PAGE_WAIT).ignoring(StaleElementReferenceException.class).until(page -> {
            page.findElement(By.cssSelector("#dead-letters tr[data-name='" + name + "'] button.replay")).click();
            return true;
        });
    }

    /** The page at a desktop's size and at a phone's (its viewport exactly), into target/ (and docs/ when asked). */
    private void screenshots() throws IOException {
        ChromeDriver chrome = (ChromeDriver) browser;
        boolean update = Boolean.getBoolean("huma.update-screenshots");
        for (Object[] size : new Object[][] {{"operator-page.png", 1280, 900, false}, {"operator-page-phone.png", 390, 844, true}}) {
            chrome.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                    Map.of("width", size[1], "height", size[2], "deviceScaleFactor", 1, "mobile", size[3]));
            Path shot = chrome.getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(shot, Path.of("target", (String) size[0]), StandardCopyOption.REPLACE_EXISTING);
            if (update) {
                Files.copy(shot, Path.of("docs", (String) size[0]), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        chrome.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    }

    /** Headless Chromium of the distribution, with its chromedriver; skipped without them outside CI. */
    private static WebDriver startBrowser() {
        Optional<Path> chromium = onPath("chromium", "chromium-browser", "google-chrome");
        Optional<Path> driver = onPath("chromedriver");
        boolean ci = System.getenv("CI") != null && !System.getenv("CI").isBlank() && !"false".equalsIgnoreCase(System.getenv("CI"));
        if (chromium.isEmpty() || driver.isEmpty()) {
            if (ci) {
                throw new IllegalStateException("CI needs Chromium and chromedriver for the operator page's test: "
                        + "apt-get install -y chromium chromium-driver (.ci/run does)");
            }
            Assumptions.abort("no Chromium and chromedriver on this machine (apt-get install -y chromium chromium-driver)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.get().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--lang=en-GB");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.get().toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    private static Optional<Path> onPath(String... names) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String name : names) {
            Optional<Path> found = Stream.of(path.split(File.pathSeparator))
                    .map(dir -> Path.of(dir, name))
                    .filter(Files::isExecutable)
                    .findFirst();
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }
}
