package ai.huma.camel.queue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.BundleProcess;
import ai.huma.camel.support.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kafka.testkit.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static ai.huma.camel.support.HumaRoutesTestSupport.HUMA_DEADLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka as the queue, with the bundle in a JVM of its own (as a user starts it) on a real single-node
 * KRaft Kafka in the test JVM ({@link TestKafka}), the real routes and the queue options exactly as
 * application.properties ships them: a graceful stop and a kill -9 re-work only what was not
 * finished, and with Kafka gone the edge answers 503 within Huma's 5 s and is not ready. Each test
 * runs on topics and consumer groups of its own, with its own bundle, folders and fake API, so that
 * they run side by side. (The tests that drive the bundle in the test JVM are {@link KafkaQueuesTest};
 * these need no Camel context of the test's own.)
 */
@Execution(ExecutionMode.CONCURRENT)
class KafkaRestartsTest {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaRestartsTest.class);
    private static final KafkaClusterTestKit KAFKA = TestKafka.start();

    private final ObjectMapper json = new ObjectMapper();
    /** Each test its own fake API (its own delays and request log): the tests run side by side. */
    private final HumaSimulator huma = HumaSimulator.start();

    @AfterEach
    void stopFakeApi() {
        huma.close();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        KAFKA.close();
    }

    @Test
    void aGracefulStopLeavesWhatIsQueuedInKafkaAndTheRestartWorksOnlyThat() throws Exception {
        List<String> tickets = tickets("stop", 8);
        huma.delay(Duration.ofMillis(500));
        try (BundleProcess bundle = bundleQueueing("stop", tickets)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !bundle.files("output").isEmpty());

            assertThat(bundle.stop()).isZero();

            List<String> beforeRestart = bundle.files("output");
            assertThat(beforeRestart.size()).as("some were still queued").isLessThan(tickets.size());
            assertThat(bundle.files("data/dead-letter")).as("what is queued stays in Kafka").isEmpty();
            int callsBeforeRestart = huma.apiRequests().size();
            Map<String, Integer> writes = restartAndAwaitEveryResult(bundle, "stop", tickets, Duration.ofSeconds(60));
            assertThat(writes).as("each event written exactly once").hasSize(tickets.size()).allSatisfy((t, n) -> assertThat(n).isOne());
            assertThat(ticketsFetched(huma.apiRequests().subList(callsBeforeRestart, huma.apiRequests().size())))
                    .as("nothing finished before the stop is fetched again").doesNotContainAnyElementsOf(finished(beforeRestart));
        }
    }

    @Test
    void aCrashReworksAtMostTheEventInFlightAndLosesNone() throws Exception {
        List<String> tickets = tickets("crash", 12);
        huma.delay(Duration.ofMillis(300));
        try (BundleProcess bundle = bundleQueueing("crash", tickets)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").size() >= 3);

            bundle.kill();

            List<String> beforeRestart = bundle.files("output");
            assertThat(beforeRestart.size()).as("the kill came with events still queued").isLessThan(tickets.size());
            int callsBeforeRestart = huma.apiRequests().size();
            Map<String, Integer> writes = restartAndAwaitEveryResult(bundle, "crash", tickets, Duration.ofSeconds(90));
            // at-least-once: the one event a kill may cut between writing its result and recording
            // it is worked again, to the same file; nothing else finished is
            assertThat(writes).hasSize(tickets.size()).allSatisfy((t, n) -> assertThat(n).isBetween(1, 2));
            assertThat(writes.values().stream().mapToInt(n -> n - 1).sum()).as("events written a second time").isLessThanOrEqualTo(1);
            Set<String> fetchedAgain = new HashSet<>(ticketsFetched(
                    huma.apiRequests().subList(callsBeforeRestart, huma.apiRequests().size())));
            fetchedAgain.retainAll(finished(beforeRestart));
            assertThat(fetchedAgain).as("finished before the kill and fetched again").hasSizeLessThanOrEqualTo(1);
        }
    }


    /**
     * A bundle in a JVM of its own on topics and a consumer group of its own ({@code prefix}), sent
     * one webhook per ticket, each accepted: delivered as Huma does, so that a 503 while the producer
     * still fetches a new topic's metadata (maxBlockMs, 1 s, on a busy machine) is tried again.
     */
    private BundleProcess bundleQueueing(String prefix, List<String> tickets) throws Exception {
        TestKafka.createTopics(KAFKA, prefix);
        BundleProcess bundle = new BundleProcess("KafkaRestartsTest", TestKafka.bundleEnvironment(huma, KAFKA, prefix, group(prefix))).start();
        try {
            for (String ticket : tickets) {
                assertThat(bundle.deliver(question(ticket)).statusCode()).isEqualTo(200);
            }
            return bundle;
        } catch (Throwable e) {
            bundle.close();
            throw e;
        }
    }

    /**
     * Starts the stopped (or killed) bundle again with a prompt API and waits until every ticket is a
     * result and every event is committed, with no dead letter.
     *
     * @return how often each ticket's result was written, over both runs
     */
    private Map<String, Integer> restartAndAwaitEveryResult(BundleProcess bundle, String prefix, List<String> tickets, Duration within)
            throws Exception {
        huma.delay(Duration.ZERO);
        bundle.start();
        await().atMost(within).until(() -> bundle.files("output").size() == tickets.size());
        TestKafka.awaitAllCommitted(KAFKA, group(prefix), Map.of("question-computed", (long) tickets.size(), "subscription-updated", 0L,
                "history-visualized", 0L));
        assertThat(bundle.files("data/dead-letter")).isEmpty();
        return bundle.awaitWrites(tickets);
    }

    private static String group(String prefix) {
        return "huma-camel-" + prefix;
    }

    @Test
    void withKafkaGoneTheEdgeAnswers503WithinHumasDeadline() throws Exception {
        huma.question("before", 2);
        KafkaClusterTestKit doomed = TestKafka.start();
        try {
            TestKafka.createTopics(doomed, "doomed");
            Map<String, String> environment = new HashMap<>(TestKafka.bundleEnvironment(huma, doomed, "doomed", group("doomed")));
            environment.put("HUMA_KAFKA_BROKERS", doomed.bootstrapServers());
            try (BundleProcess bundle = new BundleProcess("KafkaRestartsTest", environment).start()) {
                // as Huma would: a 503 while the producer still fetches the new cluster's metadata
                // (maxBlockMs, 1 s, on a busy machine) is sent again
                assertThat(bundle.deliver(question("before")).statusCode()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").contains("q_before_result.json"));

                doomed.close();
                doomed = null;

                long start = System.nanoTime();
                HttpResponse<String> refused = bundle.webhook(question("lost?"));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                LOG.info("With Kafka gone the webhook was answered {} in {} ms", refused.statusCode(), took.toMillis());
                assertThat(refused.statusCode()).as("never a 200 for an event Kafka did not take").isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                // the limit is the promise: answered before Huma gives up on the attempt
                assertThat(took).as("answered before Huma gives up on the attempt").isLessThan(HUMA_DEADLINE);
                // and not ready: camel-kafka's consumer checks see their consumers lose the cluster
                await().atMost(Duration.ofSeconds(30)).until(() -> bundle.management("/observe/health/ready").statusCode() == 503);
                JsonNode down = json.readTree(bundle.management("/observe/health/ready").body());
                List<String> failing = new ArrayList<>();
                down.get("checks").forEach(check -> {
                    if (check.get("status").asText().equals("DOWN")) {
                        failing.add(check.get("name").asText());
                    }
                });
                assertThat(failing).contains("consumer:huma-question-computed-worker");
                assertThat(bundle.management("/observe/health/live").statusCode()).as("down is not dead").isEqualTo(200);
            }
        } finally {
            if (doomed != null) {
                doomed.close();
            }
        }
    }


    @Test
    void kafkaModeWithoutAClusterStopsTheStart() {
        QueueBroker broker = new QueueBroker();
        broker.setMode("kafka");
        broker.setKafkaBrokers(" ");
        org.assertj.core.api.Assertions.assertThatThrownBy(broker::init).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huma.kafka.brokers");
        assertThat(broker.isKafka()).isTrue();
        assertThat(broker.isJms()).as("no JMS connection, no broker check, no duplicate-id header").isFalse();
    }


    // ---------------------------------------------------------------------------------------------

    /** A computed question whose result is {@code q_<ticket>_result.json}. */
    private static Webhook question(String ticket) {
        return SimulatedWebhooks.question(ticket, "q " + ticket);
    }

    private List<String> tickets(String stem, int count) {
        List<String> tickets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tickets.add(stem + i);
            huma.question(stem + i, 250);
        }
        return tickets;
    }

    /** The tickets whose result files are in the list ({@code q_<ticket>_result.json}). */
    private static Set<String> finished(List<String> files) {
        return files.stream().map(f -> f.replaceFirst("^q_", "").replaceFirst("_result\\.json$", "")).collect(Collectors.toSet());
    }

    private static List<String> ticketsFetched(List<HumaSimulator.Request> requests) {
        return requests.stream().map(r -> r.path().replaceFirst("^/v1/questions/", "").replaceFirst("/result$", "")).toList();
    }
}
