package ai.huma.camel.queue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ai.huma.camel.support.BundleProcess;
import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The default configuration (journal mode) and the embedded broker (durable mode) against a crash:
 * the bundle's JVM is killed (SIGKILL) with accepted webhooks still queued, in the middle of a
 * paginated fetch or in the middle of a delivery, then started again on the same data folder: every
 * accepted event ends as its result, none is lost and none is written twice. And a graceful stop
 * leaves what is queued in the journal (the broker's) rather than in the dead letters. Each test has
 * its own bundle, folders and fake API, so that they run side by side (most of their time is spent
 * waiting).
 */
@Execution(ExecutionMode.CONCURRENT)
class CrashRecoveryTest {

    /** The configuration people start with: no queue mode set (journal mode). */
    private static final String DEFAULT_MODE = "default";
    /** The default mode with each write on the disk before its 200 (huma.journal.sync). */
    private static final String JOURNAL_SYNC = "journal-sync";
    /** huma.workers as application.properties ships it: a kill cuts at most one event per worker. */
    private static final int WORKERS = Integer.parseInt(BundleProcess.shipped("huma.workers"));
    /** Each test its own fake API (its own delays and request log): the tests run side by side. */
    private final HumaSimulator huma = HumaSimulator.start();

    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stopFakeApi() {
        huma.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {DEFAULT_MODE, JOURNAL_SYNC, "durable"})
    void killedWithWebhooksQueuedTheRestartWorksThemAllOnce(String mode) throws Exception {
        List<String> tickets = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tickets.add("crash" + i);
            huma.question("crash" + i, 3);
        }
        huma.delay(Duration.ofMillis(300));
        try (BundleProcess bundle = new BundleProcess("CrashRecoveryTest", settings(mode)).start()) {
            for (String ticket : tickets) {
                assertThat(bundle.deliver(question(ticket)).statusCode()).isEqualTo(200);
            }

            bundle.kill();

            List<String> beforeRestart = bundle.files("output");
            assertThat(beforeRestart.size()).as("the kill came with events still queued").isLessThan(tickets.size());
            huma.delay(Duration.ZERO);
            bundle.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> bundle.files("output").size() == tickets.size());
            assertThat(bundle.files("data/dead-letter")).isEmpty();
            assertWrittenOnce(bundle, tickets);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {DEFAULT_MODE, "durable"})
    void killedInTheMiddleOfAPaginatedFetchTheRestartWritesTheWholeAnswer(String mode) throws Exception {
        huma.question("paged", 500);
        huma.delay(Duration.ofMillis(400));
        try (BundleProcess bundle = new BundleProcess("CrashRecoveryTest", settings(mode)).start()) {
            assertThat(bundle.deliver(question("paged")).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> huma.apiRequests().stream().anyMatch(r -> r.page() == 2));

            bundle.kill();

            assertThat(bundle.files("output")).isEmpty();
            huma.delay(Duration.ZERO);
            bundle.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").size() == 1);
            JsonNode result = json.readTree(bundle.workDir().resolve("output").resolve("q_paged_result.json").toFile());
            assertThat(result.at("/answer/data").size()).as("every page, after the restart").isEqualTo(500);
            assertWrittenOnce(bundle, List.of("paged"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {DEFAULT_MODE, "durable"})
    void aGracefulStopLeavesTheQueuedEventsInTheJournal(String mode) throws Exception {
        List<String> tickets = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tickets.add("stop" + i);
            huma.question("stop" + i, 3);
        }
        huma.delay(Duration.ofMillis(700));
        Map<String, String> environment = new java.util.HashMap<>(settings(mode));
        environment.put("HUMA_SHUTDOWN_TIMEOUT", "3");
        try (BundleProcess bundle = new BundleProcess("CrashRecoveryTest", environment).start()) {
            for (String ticket : tickets) {
                assertThat(bundle.deliver(question(ticket)).statusCode()).isEqualTo(200);
            }

            assertThat(bundle.stop()).isZero();

            assertThat(bundle.files("output").size()).as("some were still queued").isLessThan(tickets.size());
            assertThat(bundle.files("data/dead-letter")).as("queued events stay in the journal").isEmpty();
            huma.delay(Duration.ZERO);
            bundle.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> bundle.files("output").size() == tickets.size());
            assertThat(bundle.files("data/dead-letter")).isEmpty();
            assertWrittenOnce(bundle, tickets);
        }
    }

    /**
     * Killed while a result is being delivered: a team's destination (a route file of its own, as
     * README "Your own step before delivery" shows) takes its time, and the kill comes in the middle.
     * After the restart the result is delivered whole, once.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {DEFAULT_MODE, "durable"})
    void killedInTheMiddleOfADeliveryTheRestartDeliversTheResult(String mode) throws Exception {
        huma.question("delivered", 3);
        Map<String, String> environment = new java.util.HashMap<>(settings(mode));
        environment.put("HUMA_OUTPUT_QUESTION_URI", "direct:slow-destination");
        try (BundleProcess bundle = new BundleProcess("CrashRecoveryTest", environment)) {
            Files.createDirectories(bundle.workDir().resolve("routes"));
            Files.writeString(bundle.workDir().resolve("routes").resolve("slow-destination.camel.yaml"), """
                    - route:
                        id: slow-destination
                        from:
                          uri: direct:slow-destination
                          steps:
                            - log: "slow destination: delivering ${header.CamelFileName}"
                            - delay:
                                constant: 2000
                            - to: "file:output?tempFileName=.${exchangeId}.part"
                    """);
            bundle.start();
            assertThat(bundle.deliver(question("delivered")).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> bundle.output().contains("slow destination: delivering"));

            bundle.kill();

            assertThat(bundle.files("output")).isEmpty();
            bundle.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").size() == 1);
            JsonNode result = json.readTree(bundle.workDir().resolve("output").resolve("q_delivered_result.json").toFile());
            assertThat(result.at("/answer/data").size()).isEqualTo(3);
            assertThat(bundle.files("data/dead-letter")).isEmpty();
        }
    }

    /**
     * Every event written, and none twice but those a kill may cut between writing their result and
     * recording their delivery, at most one per worker (docs/queues.md): those are written again after
     * the restart, to the same file. CI saw two workers, which had started together, log their results
     * in the same millisecond as the kill came.
     */
    private static void assertWrittenOnce(BundleProcess bundle, List<String> tickets) {
        Map<String, Integer> writes = bundle.awaitWrites(tickets);
        int again = 0;
        for (String ticket : tickets) {
            int times = writes.getOrDefault(ticket, 0);
            assertThat(times).as("results written for %s", ticket).isBetween(1, 2);
            again += times - 1;
        }
        assertThat(again).as("events written a second time").isLessThanOrEqualTo(WORKERS);
    }

    /** The three secrets, and the queue mode unless it is the default one (nothing set: as a user starts it). */
    private Map<String, String> settings(String mode) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(
                "API_URL", huma.baseUrl(), "API_SECRET_KEY", huma.apiKey(), "API_CALLBACK_AUTH", "crash-token"));
        if (mode.equals(JOURNAL_SYNC)) {
            settings.put("HUMA_JOURNAL_SYNC", "true");
        } else if (!mode.equals(DEFAULT_MODE)) {
            settings.put("HUMA_QUEUE_MODE", mode);
        }
        return settings;
    }

    /** A computed question whose result is {@code q_<ticket>_result.json}. */
    private static Webhook question(String ticket) {
        return SimulatedWebhooks.question(ticket, "q " + ticket);
    }
}
