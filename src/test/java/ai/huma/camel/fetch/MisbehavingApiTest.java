package ai.huma.camel.fetch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.spi.LogListener;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Huma API that misbehaves: trickles its answers, never ends them, inflates them from a gzip bomb,
 * pages without end, or counts its pages in nonsense. Every event still ends, within the configured
 * time and size, as a result or a dead letter that names the limit; the edge keeps answering.
 */
class MisbehavingApiTest extends HumaRoutesTestSupport {

    private static final String RESULT_PATH = "/v1/questions/.*/result";
    private static final int API_TIMEOUT = 1000;
    private static final int MAX_ANSWER = 1024 * 1024;
    private static final int MAX_RESULT = 1536 * 1024;

    private final ObjectMapper json = new ObjectMapper();
    private final List<String> logged = new CopyOnWriteArrayList<>();

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.api.timeout", Integer.toString(API_TIMEOUT),
                "huma.api.max-answer-size", Integer.toString(MAX_ANSWER),
                "huma.result.max-size", Integer.toString(MAX_RESULT),
                "huma.retry.initial-delay", "20",
                "huma.retry.max-redeliveries", "1",
                "huma.pages.limit", "10",
                "huma.pages.max", "2");
    }

    @Override
    protected void doPostSetup() throws Exception {
        super.doPostSetup();
        LogListener listener = (exchange, logger, message) -> {
            logged.add(message);
            return message;
        };
        context.getCamelContextExtension().addLogListener(listener);
    }

    @Test
    void aTricklingAnswerIsCutOffAtTheTimeOutOfTheWholeCall() throws Exception {
        HUMA.question("t1", 5);
        // 1 byte each 100 ms: every read is quick, the whole answer would take minutes
        HUMA.trickle(RESULT_PATH, Duration.ofMillis(100), Integer.MAX_VALUE);
        long start = System.nanoTime();

        webhook(SimulatedWebhooks.question("t1", "trickled"));

        JsonNode record = awaitDeadLetter();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(record.get("reason").asText()).contains("huma.api.timeout (1000 ms)");
        assertThat(record.get("attempts").asInt()).isEqualTo(2);
        List<HumaSimulator.Request> calls = HUMA.apiRequests();
        assertThat(calls).hasSize(2);
        // the limits are the promise: huma.api.timeout bounds the whole call, not each read (the
        // trickled answer would take minutes); the margins are for the timer and a busy machine
        Duration betweenCalls = Duration.ofNanos(calls.get(1).receivedNanos() - calls.get(0).receivedNanos());
        assertThat(betweenCalls).as("the first call ended at its time-out").isLessThan(Duration.ofMillis(API_TIMEOUT + 1500));
        assertThat(took).as("two cut-off calls and a short back-off").isLessThan(Duration.ofMillis(4 * API_TIMEOUT + 3000));
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void anEndlessAnswerStopsAtTheAnswerSizeAndIsNotRetried() throws Exception {
        HUMA.question("t1", 5);
        HUMA.endless(RESULT_PATH, Integer.MAX_VALUE);

        webhook(SimulatedWebhooks.question("t1", "endless"));

        JsonNode record = awaitDeadLetter();
        assertThat(record.get("reason").asText()).contains("huma.api.max-answer-size (" + MAX_ANSWER + " bytes)");
        assertThat(HUMA.apiRequests()).as("not retried").hasSize(1);
        assertThat(HUMA.bytesStreamed()).as("what the API could push before the connection was dropped")
                .isLessThan(32L * 1024 * 1024);
        assertThat(outputFiles()).isEmpty();
        assertSpoolEmpty();
    }

    @Test
    void aGzipBombCountsAtItsInflatedSize() throws Exception {
        HUMA.question("t1", 5);
        HUMA.gzipBomb(RESULT_PATH, 4L * 1024 * 1024 * 1024, Integer.MAX_VALUE);

        webhook(SimulatedWebhooks.question("t1", "bomb"));

        JsonNode record = awaitDeadLetter();
        assertThat(record.get("reason").asText()).contains("huma.api.max-answer-size");
        assertThat(HUMA.apiRequests()).hasSize(1);
        assertSpoolEmpty();
    }

    @Test
    void pagesWithoutEndStopAtTheResultSizeAndTheEdgeKeepsAnswering() throws Exception {
        // pages of 900 kB that always have a next page: the second passes the 1.5 MiB of a result
        HUMA.hugePages("t1", 900 * 1024);

        webhook(SimulatedWebhooks.question("t1", "without end"));

        // while the worker struggles, the edge still answers within Huma's deadline (the limit is the promise)
        for (int i = 0; i < 10; i++) {
            long sent = System.nanoTime();
            HttpResponse<String> answer = webhook(SimulatedWebhooks.question("edge" + i, null, "processing"));
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(HUMA_DEADLINE);
        }
        JsonNode record = awaitDeadLetter();
        assertThat(record.get("reason").asText()).contains("huma.result.max-size (" + MAX_RESULT + " bytes)");
        assertThat(HUMA.apiRequests()).hasSize(2);
        assertThat(outputFiles()).isEmpty();
        assertSpoolEmpty();
    }

    @Test
    void aNonsensePageCountGivesASaneWarning() throws Exception {
        HUMA.question("t1", 50);
        HUMA.question("t2", 50);
        HUMA.metadata("t1", Map.of("page_count", 9_999_999_999L));
        Map<String, Object> negative = new HashMap<>();
        negative.put("page_count", -5);
        HUMA.metadata("t2", negative);

        webhook(SimulatedWebhooks.question("t1", "huge count"));
        webhook(SimulatedWebhooks.question("t2", "negative count"));

        awaitOutput("huge_count_result.json");
        awaitOutput("negative_count_result.json");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(logged)
                .contains("/v1/questions/t1/result: Huma has 9999999999 pages, only the first 2 were fetched (huma.pages.max)")
                .contains("/v1/questions/t2/result: Huma has more pages (no page_count given), only the first 2 were fetched (huma.pages.max)"));
    }

    @Test
    void statusesWithEscapesAndBidiOverridesReachTheLogEscaped() throws Exception {
        String ticket = "esc" + System.nanoTime();
        // ESC [31m, a right-to-left override and a line break that would forge a second log line
        webhook(QUESTION_PATH, "{\"question\":\"q\",\"question_status\":\"x\\u001b[31mred\\u202eevil\\r\\nFAKE LINE\","
                + "\"ticket_number\":\"" + ticket + "\"}");

        Path log = Path.of("target", "test-logs", "huma-camel.log");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log, StandardCharsets.UTF_8).contains(ticket + ": unrecognized"));
        String line = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains(ticket + ": unrecognized")).findFirst().orElseThrow();
        assertThat(line).contains("x\\u001B[31mred\\u202Eevil\\r\\nFAKE LINE")
                .doesNotContain("\u001b").doesNotContain("\u202e").doesNotContain("\r");
    }

    private void assertSpoolEmpty() throws IOException {
        Path spool = dataDir.resolve("spool");
        await().atMost(Duration.ofSeconds(5)).until(() -> filesUnder(spool).isEmpty());
    }

    private static List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return new ArrayList<>(files.filter(Files::isRegularFile).toList());
        }
    }

    private JsonNode awaitDeadLetter() {
        await().atMost(Duration.ofSeconds(20)).until(() -> !deadLetterFiles().isEmpty());
        try {
            return json.readTree(deadLetterFiles().get(0).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
