package ai.huma.camel.runtime;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.BundleProcess;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The built jar as a user runs it ({@code java <JVM options> -jar target/huma-camel.jar ...}, failsafe,
 * after {@code mvn package}), each time in a working directory of its own under target/test-work
 * (scanned for secrets by SecretScanIT, which runs after this): its usage, the demo, the settings
 * check, the built-in settings and routes, their overrides from the working directory and from
 * HUMA_HOME, and {@code simulate} against a running bundle.
 */
class LauncherIT {

    /** The demo takes it alone, the other tests share it (failsafe runs the tests of a class two at a time). */
    private static final String CPU = "LauncherIT.cpu";
    private static final HumaSimulator HUMA = HumaSimulator.start();
    private static final String TOKEN = HumaRoutesTestSupport.CALLBACK_TOKEN;
    private static final Pattern ID_RESULT = Pattern.compile("[0-9a-f]{24}_result\\.json");

    private BundleProcess bundle;

    @AfterEach
    void stop() throws InterruptedException {
        if (bundle != null) {
            bundle.close();
        }
    }

    @AfterAll
    static void stopSimulator() {
        HUMA.close();
    }

    @Test
    @ResourceLock(value = CPU, mode = ResourceAccessMode.READ)
    void helpPrintsTheBundlesOwnUsage() throws Exception {
        bundle = BundleProcess.ofJar("LauncherIT-help", Map.of()).arguments("--help").launch();
        assertThat(bundle.awaitExit(Duration.ofSeconds(60))).isZero();
        assertThat(bundle.output())
                .contains("Usage: java [JVM options] -jar huma-camel.jar [command]")
                .contains("demo").contains("simulator [port]").contains("simulate question|subscription|history")
                .contains("HUMA_HOME")
                .doesNotContain("Apache Camel Runner") // Camel Main's own usage
                .doesNotContain(" INFO ");

        BundleProcess wrong = BundleProcess.ofJar("LauncherIT-help", Map.of()).arguments("--bogus").launch();
        try {
            assertThat(wrong.awaitExit(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(wrong.output()).contains("unknown command: --bogus").contains("Usage:");
        } finally {
            wrong.close();
        }
    }

    // the demo's 15 s is a promise on the wall clock: it runs alone, the other tests two at a time
    @Test
    @ResourceLock(value = CPU)
    void demoWritesTheThreeKindsOfResultWithinFifteenSeconds() throws Exception {
        bundle = BundleProcess.ofJar("LauncherIT-demo", Map.of("API_CALLBACK_AUTH", TOKEN)).arguments("demo");
        bundle.environment().remove("HUMA_HTTP_WARM_UP_REQUESTS"); // the demo as a user runs it: its own warm-up
        long launched = System.nanoTime();
        bundle.launch();

        await().atMost(Duration.ofSeconds(15)).until(() -> threeKindsOfResult(bundle.files("output")));
        long seconds = Duration.ofNanos(System.nanoTime() - launched).toSeconds();

        List<String> results = bundle.files("output");
        assertThat(results).as("after %d s", seconds).contains(
                SimulatedWebhooks.question(SimulatedWebhooks.newId(), SimulatedWebhooks.QUESTION).resultFiles().get(0));
        assertThat(bundle.output()).contains("Ready on port " + bundle.port()).contains("(simulated)")
                .contains("Demo: sent a Questions/Computed webhook")
                .doesNotContain(TOKEN).doesNotContain("demo-key-");
        assertThat(bundle.stop()).isZero();
    }

    @Test
    @ResourceLock(value = CPU, mode = ResourceAccessMode.READ)
    void everyMissingOrInvalidSettingIsReportedAtOnce() throws Exception {
        Map<String, String> environment = new HashMap<>();
        environment.put("HUMA_QUEUE_MODE", "bogus");
        environment.put("HUMA_PAGES_MAX", "lots");
        environment.put("HUMA_OUTPUT_QUESTION_URI", "nosuchcomponent:results");
        environment.put("API_URL", "not a url");
        bundle = BundleProcess.ofJar("LauncherIT-settings", environment);
        bundle.environment().put("HUMA_PORT", "70000");
        bundle.launch();

        assertThat(bundle.awaitExit(Duration.ofSeconds(90))).isEqualTo(1);
        String output = bundle.output();
        assertThat(output).contains("huma-camel did not start: 7 settings are missing or invalid:")
                .contains("API_URL is not an absolute http(s) URL")
                .contains("API_SECRET_KEY is not set")
                .contains("API_CALLBACK_AUTH is not set")
                .contains("huma.port (HUMA_PORT) must be between 0 and 65535, not 70000")
                .contains("huma.pages.max (HUMA_PAGES_MAX) must be a whole number, not 'lots'")
                .contains("huma.output.question.uri: no Camel component for 'nosuchcomponent'")
                .contains("huma.queue.mode must be journal, memory, durable, broker or kafka, not 'bogus'");
        assertThat(output).as("a failed start is no shutdown").doesNotContain("SIGTERM").doesNotContain("shutting down")
                .as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception")
                .as("nothing started").doesNotContain("Webhook receiver listening");
    }

    @Test
    @ResourceLock(value = CPU, mode = ResourceAccessMode.READ)
    void runsFromAnEmptyFolderAndTakesAWebhookFromSimulate() throws Exception {
        bundle = BundleProcess.ofJar("LauncherIT-empty", Map.of("API_URL", HUMA.baseUrl(), "API_SECRET_KEY", HUMA.apiKey(),
                "API_CALLBACK_AUTH", TOKEN)).start();

        String ready = awaitReadyLine(bundle);
        String output = bundle.output();
        assertThat(output).contains("settings built in, routes built in");
        assertThat(ready).contains("Ready on port " + bundle.port())
                .contains("Huma API 127.0.0.1:" + HUMA.port())
                .contains("output " + bundle.workDir().resolve("output").toAbsolutePath())
                .contains("data " + bundle.workDir().resolve("data").toAbsolutePath())
                .contains("queue journal")
                .contains("outputs question, subscription, history -> file:output?")
                .contains(":" + bundle.managementPort() + "/observe/health/ready");
        assertThat(output.lines().filter(line -> line.contains(" INFO ")).count())
                .as("a short start-up log: %s", output).isLessThanOrEqualTo(8);
        assertThat(output.substring(output.indexOf(ready) + ready.length()).strip()).as("the ready line ends it").isEmpty();
        assertThat(bundle.management("/observe/health/ready").statusCode()).isEqualTo(200);

        BundleProcess simulate = BundleProcess.ofJar("LauncherIT-simulate", Map.of())
                .arguments("simulate", "question", "--url", "http://127.0.0.1:" + bundle.port(), "--token", TOKEN,
                        "--question", "Sales by region").launch();
        try {
            assertThat(simulate.awaitExit(Duration.ofSeconds(60))).isZero();
            assertThat(simulate.output()).contains("Sent a Questions/Computed webhook").contains(": 200")
                    .contains("Sales_by_region_result.json").doesNotContain(TOKEN);
        } finally {
            simulate.close();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").contains("Sales_by_region_result.json"));
        assertThat(bundle.stop()).isZero();
        assertThat(bundle.output()).doesNotContain(TOKEN).doesNotContain(HUMA.apiKey());
    }

    @Test
    @ResourceLock(value = CPU, mode = ResourceAccessMode.READ)
    void aPropertiesFileInTheWorkingDirectoryOverridesKeyByKeyAndItsRouteFilesAddToTheBuiltInOnes() throws Exception {
        bundle = BundleProcess.ofJar("LauncherIT-override", Map.of("API_URL", HUMA.baseUrl(), "API_SECRET_KEY", HUMA.apiKey(),
                "API_CALLBACK_AUTH", TOKEN));
        Files.writeString(bundle.workDir().resolve("application.properties"),
                "# only what differs from the built-in settings\nhuma.output.dir = results\n", StandardCharsets.UTF_8);
        Path routes = Files.createDirectories(bundle.workDir().resolve("routes"));
        // a route of the team's own, beside the built-in ones
        Files.writeString(routes.resolve("my-audit.camel.yaml"), """
                - route:
                    id: my-audit
                    from:
                      uri: platform-http:/my-audit
                      parameters:
                        httpMethodRestrict: GET
                      steps:
                        - setBody:
                            constant: audited
                """, StandardCharsets.UTF_8);
        // and a built-in file replaced by one of the same name
        String output = Files.readString(Path.of("routes", "huma-deliver.camel.yaml"), StandardCharsets.UTF_8);
        assertThat(output).contains("destination(s))");
        Files.writeString(routes.resolve("huma-deliver.camel.yaml"),
                output.replace("destination(s))", "destination(s), my own delivery route)"), StandardCharsets.UTF_8);
        bundle.start();

        assertThat(bundle.get("/my-audit").body()).isEqualTo("audited");
        HttpResponse<String> accepted = bundle.webhook(SimulatedWebhooks.question(SimulatedWebhooks.newId(), "Overridden"));
        assertThat(accepted.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("results").contains("Overridden_result.json"));
        await().atMost(Duration.ofSeconds(10)).until(() -> bundle.output().contains("my own delivery route"));
        assertThat(bundle.files("output")).isEmpty();
        // every other key keeps its built-in value
        assertThat(awaitReadyLine(bundle)).contains("output " + bundle.workDir().resolve("results").toAbsolutePath())
                .contains("queue journal").contains("outputs question, subscription, history -> file:results?tempFileName=");
        assertThat(bundle.output()).contains("settings built in + " + bundle.workDir().resolve("application.properties").toAbsolutePath())
                .contains("routes built in + 2 from " + routes.toAbsolutePath() + " (replacing huma-deliver.camel.yaml)");
    }

    @Test
    @ResourceLock(value = CPU, mode = ResourceAccessMode.READ)
    void humaHomeHoldsTheSettingsTheRoutesAndTheDotEnvFile() throws Exception {
        // secrets of this test only: the .env file stays under target/test-work, where SecretScanIT
        // looks for the suite's own key and token
        String homeKey = "home-key-" + SimulatedWebhooks.newId();
        String homeToken = "home-token-" + SimulatedWebhooks.newId();
        HumaSimulator huma = HumaSimulator.start(homeKey);
        bundle = BundleProcess.ofJar("LauncherIT-home", Map.of()).callbackToken(homeToken);
        Path home = Files.createDirectories(bundle.workDir().resolve("etc-huma")).toAbsolutePath();
        Files.writeString(home.resolve(".env"), "API_URL=" + huma.baseUrl() + "\nAPI_SECRET_KEY=" + homeKey
                + "\nAPI_CALLBACK_AUTH=" + homeToken + "\n", StandardCharsets.UTF_8);
        Files.writeString(home.resolve("application.properties"), "huma.data.dir = state\n", StandardCharsets.UTF_8);
        bundle.environment().put("HUMA_HOME", home.toString());
        bundle.start();

        SimulatedWebhooks.Webhook webhook = SimulatedWebhooks.subscription(SimulatedWebhooks.newId());
        try (huma) {
            assertThat(bundle.webhook(webhook).statusCode()).as("the token of HUMA_HOME/.env").isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").containsAll(webhook.resultFiles()));
            assertThat(huma.apiRequests()).as("the API and key of HUMA_HOME/.env").isNotEmpty()
                    .allSatisfy(request -> assertThat(request.authorization()).isEqualTo("Bearer " + homeKey));
        }
        // relative folders stay relative to the working directory
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.isRegularFile(bundle.workDir().resolve("state").resolve("deliveries.idx")));
        assertThat(home.resolve("state")).doesNotExist();
        assertThat(bundle.output()).contains("settings built in + " + home.resolve("application.properties"))
                .contains("routes built in").doesNotContain(homeKey).doesNotContain(homeToken);
    }

    /** Questions/Computed, Subscriptions/AnswerUpdated and Histories/Visualized results are all there. */
    private static boolean threeKindsOfResult(List<String> files) {
        String question = SimulatedWebhooks.question(SimulatedWebhooks.newId(), SimulatedWebhooks.QUESTION).resultFiles().get(0);
        List<String> visuals = files.stream().filter(name -> name.endsWith(".pdf")).map(name -> name.replace(".pdf", "")).toList();
        boolean history = visuals.stream().anyMatch(id -> files.contains(id + "_result.json"));
        boolean subscription = files.stream().filter(name -> ID_RESULT.matcher(name).matches())
                .anyMatch(name -> !visuals.contains(name.replace("_result.json", "")));
        return files.contains(question) && history && subscription;
    }

    /** The ready line, which follows GET / answering 200 closely (it is logged once the edge is warm). */
    private static String awaitReadyLine(BundleProcess bundle) {
        await().atMost(Duration.ofSeconds(10)).until(() -> bundle.output().contains("Ready on port"));
        try {
            return bundle.output().lines().filter(line -> line.contains("Ready on port")).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
