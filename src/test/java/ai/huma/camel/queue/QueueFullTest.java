package ai.huma.camel.queue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A full queue is answered 503 with Retry-After at once, so that Huma tries again; nothing accepted is lost. */
// one bundle per test: each test fills the queue
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
class QueueFullTest extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.queue.size", "1",
                "huma.queue.question.uri", "seda:huma-question-computed?size=1&blockWhenFull=true&offerTimeout=200");
    }

    @Test
    void aWebhookThatFindsTheQueueFullIs503WithRetryAfterAndTheAcceptedOnesAreWorked() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(memoryQueues(), "a bounded queue is the in-memory one");
        for (int i = 1; i <= 6; i++) {
            HUMA.question("t" + i, 5);
        }
        HUMA.delay(Duration.ofSeconds(3));

        // the first one keeps the (single) worker busy for 3 s
        assertThat(webhook(succeeded(1)).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> !HUMA.apiRequests().isEmpty());

        List<Integer> accepted = new ArrayList<>(List.of(1));
        HttpResponse<String> refused = null;
        int refusedIndex = -1;
        long refusedNanos = 0;
        for (int i = 2; i <= 6 && refused == null; i++) {
            long started = System.nanoTime();
            HttpResponse<String> response = webhook(succeeded(i));
            if (response.statusCode() == 503) {
                refused = response;
                refusedIndex = i;
                refusedNanos = System.nanoTime() - started;
            } else {
                assertThat(response.statusCode()).as("webhook %d: %s", i, response.body()).isEqualTo(200);
                accepted.add(i);
            }
        }

        assertThat(refused).as("no webhook was answered 503").isNotNull();
        // one being worked, one waiting in the queue of size 1: the third finds it full
        assertThat(refusedIndex).isEqualTo(3);
        String retryAfter = context.resolvePropertyPlaceholders("{{huma.http.retry-after}}");
        assertThat(retryAfter).isEqualTo("30");
        assertThat(refused.headers().firstValue("Retry-After")).hasValue(retryAfter);
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(new ObjectMapper().readTree(refused.body()))
                .isEqualTo(new ObjectMapper().readTree("{\"error\":\"Service Unavailable\"}"));
        // the limit is the promise: answered before Huma gives up on the attempt (the queue waits
        // offerTimeout=200 ms for room, not until the worker is done)
        assertThat(Duration.ofNanos(refusedNanos)).isLessThan(HUMA_DEADLINE);

        // the accepted ones are worked, at Huma's pace
        for (int i : accepted) {
            awaitOutput("q" + i + "_result.json");
        }
        // the refused one is not: the queue is FIFO with one consumer, so it would have come before now
        assertThat(outputFiles()).doesNotContain("q" + refusedIndex + "_result.json");
        String refusedTicket = "t" + refusedIndex;
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::path)
                .noneMatch(path -> path.contains("/" + refusedTicket + "/"));
        assertThat(outputFiles()).containsExactlyInAnyOrderElementsOf(
                accepted.stream().map(i -> "q" + i + "_result.json").toList());
        // journal mode: the refused webhook's record went with its 503, and each accepted one's with
        // its result; nothing is left for a restart to work again
        EventJournal journal = context.getRegistry().lookupByNameAndType(EventJournal.NAME, EventJournal.class);
        if (journal.isEnabled()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> journal.getPending() == 0);
        }
    }

    /** Ticket {@code t<i>}, result {@code q<i>_result.json}. */
    private static Webhook succeeded(int i) {
        return SimulatedWebhooks.question("t" + i, "q" + i);
    }
}
