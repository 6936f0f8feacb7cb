package ai.huma.camel.runtime;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.BundleProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts the bundle the way a user does, {@link HumaCamelMain} in its own JVM, in a working
 * directory holding a copy of application.properties and routes/ ({@link BundleProcess}). Each test
 * has its own JVM, folder and ports, so that they run side by side (most of their time is spent
 * waiting for a JVM).
 */
@Execution(ExecutionMode.CONCURRENT)
class StartupTest {

    /** A JVM that exits by itself does so well within this; a safety net, not a promise. */
    private static final Duration EXIT = Duration.ofSeconds(60);

    @Test
    void refusesToStartWithoutTheCallbackSecret() throws Exception {
        try (BundleProcess bundle = new BundleProcess("StartupTest",
                Map.of("API_URL", "http://127.0.0.1:9", "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "")).launch()) {

            assertThat(bundle.awaitExit(EXIT)).as("exits by itself, with 1").isEqualTo(1);
            assertThat(bundle.output()).contains("huma-camel did not start: API_CALLBACK_AUTH is not set");
            assertThat(bundle.output()).as("no receiver was ever started").doesNotContain("Webhook receiver listening");
        }
    }

    @Test
    void refusesToStartWithoutTheApiUrlOrKey() throws Exception {
        try (BundleProcess bundle = new BundleProcess("StartupTest",
                Map.of("API_URL", "", "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "s")).launch()) {
            assertThat(bundle.awaitExit(EXIT)).isEqualTo(1);
            assertThat(bundle.output()).contains("API_URL is not set");
        }

        try (BundleProcess bundle = new BundleProcess("StartupTest",
                Map.of("API_URL", "http://127.0.0.1:9", "API_SECRET_KEY", " ", "API_CALLBACK_AUTH", "s")).launch()) {
            assertThat(bundle.awaitExit(EXIT)).isEqualTo(1);
            assertThat(bundle.output()).contains("API_SECRET_KEY is not set");
        }
    }

    @Test
    void takesTheSecretsFromDotEnvWhenTheEnvironmentLacksThem() throws Exception {
        try (BundleProcess bundle = new BundleProcess("StartupTest", Map.of()).callbackToken("dotenv-secret")) {
            Files.writeString(bundle.workDir().resolve(".env"), String.join("\n",
                    "# as the seed's .env",
                    "API_URL=http://127.0.0.1:9",
                    "API_SECRET_KEY='dotenv-key'",
                    "API_CALLBACK_AUTH=\"dotenv-secret\"",
                    "API_CALLBACK_AUTH_UNUSED=x"), StandardCharsets.UTF_8);

            bundle.start();

            assertThat(bundle.webhook(SimulatedWebhooks.question("t", null, "processing")).statusCode()).isEqualTo(200);
            assertThat(bundle.output()).doesNotContain("dotenv-secret").doesNotContain("dotenv-key");
        }
    }

    @Test
    void sigtermDrainsAndExitsWithZero() throws Exception {
        try (BundleProcess bundle = new BundleProcess("StartupTest",
                Map.of("API_URL", "http://127.0.0.1:9", "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "s"))) {
            bundle.environment().remove("HUMA_HTTP_WARM_UP_REQUESTS"); // the default warm-up, as a user runs it
            bundle.start();
            // ready only once the edge was warm: 15 warm-up webhooks of each kind, none queued
            assertThat(bundle.output()).contains("Edge warmed up with 45 webhook(s)").doesNotContain("Accepted");

            assertThat(bundle.stop()).as("SIGTERM").isZero();

            // once: with route files of its folder, Camel Main also made a drain of its own from the
            // beans' pre-parse, which reported the stop a second time
            assertThat(bundle.output().split("Shutting down: new webhooks are refused", -1)).hasSize(2);
            assertThat(bundle.output().split("Shutdown: every accepted event finished as a result or a dead letter, none left in the journal",
                    -1)).hasSize(2);
        }
    }

    @Test
    void sigtermWithWorkQueuedLosesNothingWithinTheConfiguredTimeout() throws Exception {
        try (HumaSimulator huma = HumaSimulator.start();
                BundleProcess bundle = new BundleProcess("StartupTest", Map.of("API_URL", huma.baseUrl(),
                        "API_SECRET_KEY", huma.apiKey(), "API_CALLBACK_AUTH", "s", "HUMA_SHUTDOWN_TIMEOUT", "1"))) {
            List<String> tickets = List.of("a1", "a2", "a3", "a4");
            tickets.forEach(ticket -> huma.question(ticket, 3));
            huma.delay(Duration.ofSeconds(2));
            bundle.start();
            for (String ticket : tickets) {
                assertThat(bundle.webhook(SimulatedWebhooks.question(ticket, "q " + ticket)).statusCode()).isEqualTo(200);
            }

            // SIGTERM, with 4 events queued or in flight and 2 s per call to Huma
            assertThat(bundle.stop()).isZero();

            // the calls in flight are cut off before the stop's time-out; what is not finished stays in
            // the journal (the default queue mode), not in the dead letters
            assertThat(bundle.output()).contains("not finished in time stay in the journal")
                    .as("no second report, from a journal never read").doesNotContain("none left in the journal");
            int resultsAtStop = bundle.files("output").size();
            assertThat(resultsAtStop).as("the time-out cut the work short").isLessThan(tickets.size());
            assertThat(bundle.files("data/dead-letter")).isEmpty();

            // and the restart works it
            huma.delay(Duration.ZERO);
            bundle.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").size() == tickets.size());
            java.util.regex.Matcher recovered = java.util.regex.Pattern.compile("Event journal: (\\d+) accepted event").matcher(bundle.output());
            assertThat(recovered.find()).as("the restart's recovery line").isTrue();
            // what had no result at the stop, and perhaps one whose result was written as the stop cut it
            assertThat(Integer.parseInt(recovered.group(1))).isBetween(tickets.size() - resultsAtStop, tickets.size());
            assertThat(bundle.files("data/dead-letter")).isEmpty();

            // every event finished: their records left the journal on disk, and a third start finds none
            assertThat(bundle.stop()).isZero();
            assertThat(bundle.output()).contains("Shutdown: every accepted event finished as a result or a dead letter, none left in the journal");
            bundle.start();
            assertThat(bundle.output().split("Event journal: ", -1)).as("recoveries in three starts").hasSize(2);
        }
    }

    @Test
    void aTakenPortStopsTheStartAndNamesItsSetting() throws Exception {
        Map<String, String> secrets = Map.of("API_URL", "http://127.0.0.1:9", "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "s");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // Camel's management server only logs a failed bind: without the check the bundle said it
            // was ready, with no health, metrics or operator page
            try (BundleProcess bundle = new BundleProcess("StartupTest", secrets)) {
                bundle.environment().put("HUMA_MANAGEMENT_PORT", Integer.toString(taken.getLocalPort()));
                bundle.launch();

                assertThat(bundle.awaitExit(EXIT)).isEqualTo(1);
                assertThat(bundle.output()).contains("huma-camel did not start: Address already in use: another process listens on port "
                        + taken.getLocalPort() + " of 0.0.0.0 (huma.management.port, HUMA_MANAGEMENT_PORT)")
                        .as("no webhook was taken").doesNotContain("Ready on port").doesNotContain("Accepted");
            }

            try (BundleProcess bundle = new BundleProcess("StartupTest", secrets)) {
                bundle.environment().put("HUMA_PORT", Integer.toString(taken.getLocalPort()));
                bundle.launch();

                assertThat(bundle.awaitExit(EXIT)).isEqualTo(1);
                assertThat(bundle.output()).contains("huma-camel did not start: Address already in use: another process listens on port "
                        + taken.getLocalPort() + " of 0.0.0.0 (huma.port, HUMA_PORT)");
            }
        }
    }

    @Test
    void aStartStoppedByATakenPortLeavesTheJournalForTheNextOne() throws Exception {
        try (HumaSimulator huma = HumaSimulator.start();
                ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                BundleProcess bundle = new BundleProcess("StartupTest", Map.of("API_URL", huma.baseUrl(),
                        "API_SECRET_KEY", huma.apiKey(), "API_CALLBACK_AUTH", "s"))) {
            huma.question("kept", 3);
            huma.delay(Duration.ofSeconds(30));
            bundle.start();
            assertThat(bundle.webhook(SimulatedWebhooks.question("kept", "q kept")).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> !huma.apiRequests().isEmpty());
            bundle.kill(); // acked, in the journal, its call to Huma cut

            String ownPort = bundle.environment().get("HUMA_MANAGEMENT_PORT");
            bundle.environment().put("HUMA_MANAGEMENT_PORT", Integer.toString(taken.getLocalPort()));
            bundle.launch();
            assertThat(bundle.awaitExit(EXIT)).isEqualTo(1);
            String refused = Files.readString(bundle.workDir().resolve("console-2.log"), StandardCharsets.UTF_8);
            assertThat(refused).contains("(huma.management.port, HUMA_MANAGEMENT_PORT)")
                    .contains("Shutdown before the journal was read").doesNotContain("none left in the journal");
            assertThat(bundle.files("output")).isEmpty();
            assertThat(bundle.files("data/dead-letter")).as("not worked, not given up: still in the journal").isEmpty();

            bundle.environment().put("HUMA_MANAGEMENT_PORT", ownPort);
            huma.delay(Duration.ZERO);
            bundle.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").contains("q_kept_result.json"));
            assertThat(bundle.files("data/dead-letter")).isEmpty();
        }
    }
}
