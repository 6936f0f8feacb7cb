package ai.huma.camel.failure;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stopping the bundle in memory mode drains what was accepted; what cannot be drained in time becomes
 * dead letters. (In journal mode, the default, it stays in the journal for the restart:
 * CrashRecoveryTest; a durable queue keeps it too.)
 */
// one bundle per test: each test stops the bundle
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
class GracefulShutdownTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    /** Memory mode, unless the whole suite runs in another one (-Dhuma.test.queue-mode). */
    @Override
    protected Properties extraProperties() {
        String suiteMode = System.getProperty("huma.test.queue-mode");
        return suiteMode == null || suiteMode.isBlank() ? properties("huma.queue.mode", "memory") : new Properties();
    }

    @Test
    void aGracefulShutdownDrainsTheQueue() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(memoryQueues(), "durable queues keep what is queued: CrashRecoveryTest");
        HUMA.delay(Duration.ofMillis(300));
        List<String> tickets = queueSucceeded("drain", 5);

        context.getShutdownStrategy().setTimeout(30);
        context.stop();

        assertThat(outputFiles()).containsExactlyInAnyOrderElementsOf(
                IntStream.rangeClosed(1, 5).mapToObj(i -> "drain_" + i + "_result.json").toList());
        assertThat(deadLetterFiles()).isEmpty();
        assertThat(HUMA.apiRequests()).hasSize(tickets.size());
    }

    @Test
    void aShutdownThatTimesOutLosesNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(memoryQueues(), "durable queues keep what is queued: CrashRecoveryTest");
        HUMA.delay(Duration.ofSeconds(2));
        List<String> tickets = queueSucceeded("short", 5);

        context.getShutdownStrategy().setTimeout(1);
        context.stop();

        // every accepted event is a result or a dead letter (an event in flight may finish just after the stop)
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Set<String> found = new HashSet<>(ticketsOfResults());
            found.addAll(ticketsOfDeadLetters());
            assertThat(found).as("results %s, dead letters %s", outputFiles(), deadLetterFiles()).containsAll(tickets);
        });
        assertThat(ticketsOfResults().size() + deadLetterFiles().size()).isGreaterThanOrEqualTo(5);
        // the timeout was short: some of them had to become dead letters
        assertThat(deadLetterFiles()).isNotEmpty();
        for (Path deadLetter : deadLetterFiles()) {
            JsonNode record = json.readTree(deadLetter.toFile());
            assertThat(record.path("event").asText()).as(deadLetter.toString()).isEqualTo("Questions/Computed");
            assertThat(record.path("payload").isObject()).as(deadLetter.toString()).isTrue();
            assertThat(record.path("payload").path("ticket_number").asText()).isIn(tickets);
            assertThat(record.path("payload").path("question_status").asText()).isEqualTo("succeeded");
        }
    }

    @Test
    void whileDrainingANewWebhookIsAnswered503() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(memoryQueues(), "durable queues keep what is queued: CrashRecoveryTest");
        HUMA.delay(Duration.ofSeconds(1));
        queueSucceeded("late", 3);
        assertThat(webhook(SimulatedWebhooks.question("early", null, "processing")).statusCode()).isEqualTo(200);

        context.getShutdownStrategy().setTimeout(30);
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> context.stop());
        await().atMost(Duration.ofSeconds(5)).until(context::isStopping);

        HttpResponse<String> response = webhook(SimulatedWebhooks.question("late9", "too late"));
        assertThat(stopping).as("the stop ended before the webhook was sent: the test proves nothing").isNotDone();
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(json.readTree(response.body()).path("error").asText()).isEqualTo("Service Unavailable");

        stopping.get(40, TimeUnit.SECONDS);
        assertThat(outputFiles()).containsExactlyInAnyOrder("late_1_result.json", "late_2_result.json", "late_3_result.json");
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void aCallInFlightCannotOutliveTheShutdownTimeOut() throws Exception {
        // a 100 kB visual a byte each 50 ms: over an hour, and the download time-out is 5 minutes
        HUMA.visual("v1", "pdf", new byte[100_000]);
        HUMA.trickle("/files/.*", Duration.ofMillis(50), Integer.MAX_VALUE);
        webhook(SimulatedWebhooks.history("v1"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> HUMA.requests().stream().anyMatch(r -> r.path().startsWith("/files/")));

        context.getShutdownStrategy().setTimeout(3);
        long start = System.nanoTime();
        context.stop();

        // the limit is the promise: the stop ends at its configured time-out (3 s), the call with it,
        // rather than when the download would (over an hour); the margin is for a busy machine
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        assertThat(outputFiles()).isEmpty();
        if (!memoryQueues()) {
            // a durable queue keeps the event cut short, to be worked after the restart
            assertThat(deadLetterFiles()).isEmpty();
            return;
        }
        assertThat(deadLetterFiles()).as("the event is a dead letter by the time the stop returns").hasSize(1);
        JsonNode record = json.readTree(deadLetterFiles().get(0).toFile());
        assertThat(record.path("payload").path("conversion_id").asText()).isEqualTo("v1");
    }

    /** Queues {@code n} succeeded questions ("<name> i", ticket "<name>i", one page each); returns the tickets. */
    private List<String> queueSucceeded(String name, int n) {
        List<String> tickets = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String ticket = name + i;
            HUMA.question(ticket, 3);
            HttpResponse<String> response = webhook(SimulatedWebhooks.question(ticket, name + " " + i));
            assertThat(response.statusCode()).isEqualTo(200);
            tickets.add(ticket);
        }
        return tickets;
    }

    private List<String> ticketsOfResults() throws IOException {
        List<String> tickets = new ArrayList<>();
        for (String name : outputFiles()) {
            if (!name.startsWith(".")) {
                tickets.add(json.readTree(outputDir.resolve(name).toFile()).path("ticket_number").asText());
            }
        }
        return tickets;
    }

    private List<String> ticketsOfDeadLetters() throws IOException {
        List<String> tickets = new ArrayList<>();
        for (Path deadLetter : deadLetterFiles()) {
            tickets.add(json.readTree(deadLetter.toFile()).path("payload").path("ticket_number").asText());
        }
        return tickets;
    }
}
