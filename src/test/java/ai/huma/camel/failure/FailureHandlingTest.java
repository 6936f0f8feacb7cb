package ai.huma.camel.failure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.IntStream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Huma's API failing, slow or refusing us: every event ends as a complete result or a dead letter. */
class FailureHandlingTest extends HumaRoutesTestSupport {

    private static final String RESULT_PATH = "/v1/questions/.*/result";
    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.retry.initial-delay", "50",
                "huma.retry.max-delay", "3000",
                "huma.retry.max-redeliveries", "3",
                "huma.pages.limit", "10");
    }

    @Test
    void a500OnPageOneOnceStillGivesTheCompleteResult() throws Exception {
        HUMA.question("t1", 25);
        HUMA.fail(RESULT_PATH, 1, 500, 1);

        webhook(SimulatedWebhooks.question("t1", "first page fails"));

        assertThat(rows(awaitOutput("first_page_fails_result.json"))).containsExactlyElementsOf(range(1, 25));
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::page).containsExactly(1, 1, 2, 3);
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void a500OnPageThreeOfFiveOnceRetriesThatPageOnly() throws Exception {
        HUMA.question("t1", 50);
        HUMA.fail(RESULT_PATH, 3, 503, 1);

        webhook(SimulatedWebhooks.question("t1", "third page fails"));

        assertThat(rows(awaitOutput("third_page_fails_result.json"))).containsExactlyElementsOf(range(1, 50));
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::page).containsExactly(1, 2, 3, 3, 4, 5);
    }

    @Test
    void aLastingFailureIsDeadLetteredAndReplayedOnceHumaRecovers() throws Exception {
        HUMA.question("t1", 25);
        HUMA.fail(RESULT_PATH, 2, 500, Integer.MAX_VALUE);
        Webhook payload = SimulatedWebhooks.question("t1", "never answered");

        webhook(payload);

        Path deadLetter = awaitDeadLetter();
        JsonNode record = json.readTree(deadLetter.toFile());
        assertThat(record.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(record.get("payload")).isEqualTo(json.readTree(payload.body()));
        assertThat(record.get("reason").asText()).contains("500");
        assertThat(record.get("http_status").asInt()).isEqualTo(500);
        assertThat(record.get("attempts").asInt()).isEqualTo(4);
        assertThat(record.get("replays").asInt()).isZero();
        assertThat(record.get("received_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(record.get("failed_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::page).containsExactly(1, 2, 2, 2, 2);
        assertThat(outputFiles()).as("no partial or error-shaped result").isEmpty();

        // Huma recovers; the operator moves the dead letter into the replay folder
        HUMA.recover();
        Path replayDir = Files.createDirectories(dataDir.resolve("replay"));
        Files.move(deadLetter, replayDir.resolve(deadLetter.getFileName()));

        assertThat(rows(awaitOutput("never_answered_result.json"))).containsExactlyElementsOf(range(1, 25));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(replayDir.resolve(".replayed").resolve(deadLetter.getFileName())));
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void aReplayThatFailsAgainIsDeadLetteredAgainWithItsReplayCount() throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail(RESULT_PATH, null, 500, Integer.MAX_VALUE);
        webhook(SimulatedWebhooks.question("t1", "still failing"));
        Path first = awaitDeadLetter();

        Path replayDir = Files.createDirectories(dataDir.resolve("replay"));
        Files.move(first, replayDir.resolve(first.getFileName()));

        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterFiles().size() == 1);
        JsonNode second = json.readTree(deadLetterFiles().get(0).toFile());
        assertThat(second.get("replays").asInt()).isEqualTo(1);
        assertThat(second.get("payload").get("ticket_number").asText()).isEqualTo("t1");
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void a401IsDeadLetteredWithoutRetries() throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail(RESULT_PATH, null, 401, Integer.MAX_VALUE);

        webhook(SimulatedWebhooks.question("t1", "wrong key"));

        JsonNode record = json.readTree(awaitDeadLetter().toFile());
        assertThat(record.get("http_status").asInt()).isEqualTo(401);
        assertThat(record.get("attempts").asInt()).isEqualTo(1);
        assertThat(HUMA.apiRequests()).hasSize(1);
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void clientErrorsAreNotRetried() throws Exception {
        HUMA.subscription("s1", 5);
        HUMA.fail("/v1/subscription/.*", null, 404, Integer.MAX_VALUE);
        HUMA.visual("v1", "pdf", new byte[] {1});
        HUMA.fail("/v1/histories/.*", null, 403, Integer.MAX_VALUE);

        webhook(SimulatedWebhooks.subscription("s1"));
        webhook(SimulatedWebhooks.history("v1"));

        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetterFiles().size() == 2);
        assertThat(HUMA.apiRequests()).hasSize(2);
        assertThat(deadLetterFiles()).extracting(this::read).extracting(r -> r.get("event").asText())
                .containsExactlyInAnyOrder("Subscriptions/AnswerUpdated", "Histories/Visualized");
    }

    @Test
    void retryAfterOnA429IsHonoured() throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail(RESULT_PATH, 1, 429, 1, Map.of("Retry-After", "1"));

        webhook(SimulatedWebhooks.question("t1", "rate limited"));

        awaitOutput("rate_limited_result.json");
        List<HumaSimulator.Request> calls = HUMA.apiRequests();
        assertThat(calls).hasSize(2);
        Duration gap = Duration.ofNanos(calls.get(1).receivedNanos() - calls.get(0).receivedNanos());
        // the back-off alone would wait about 50 ms
        assertThat(gap).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void aPayloadWithABadIdIsDeadLetteredWithoutACall() throws Exception {
        NotifyBuilder done = whenDone("huma-question-computed-worker", 1);

        webhook(SimulatedWebhooks.question("../etc", "bad id"));

        awaitDone(done);
        JsonNode record = json.readTree(awaitDeadLetter().toFile());
        assertThat(record.get("reason").asText()).contains("ticket_number is not a plain id");
        assertThat(HUMA.requests()).isEmpty();
    }

    private Path awaitDeadLetter() {
        await().atMost(Duration.ofSeconds(15)).until(() -> !deadLetterFiles().isEmpty());
        return deadLetterFiles().get(0);
    }

    private JsonNode read(Path file) {
        try {
            return json.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Integer> rows(Path result) throws IOException {
        return json.readTree(result.toFile()).at("/answer/data").findValues("row").stream().map(JsonNode::asInt).toList();
    }

    private static List<Integer> range(int from, int to) {
        return IntStream.rangeClosed(from, to).boxed().toList();
    }
}
