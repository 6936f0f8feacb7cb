package ai.huma.camel.edge;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A hostile sender: bodies that are malformed or over a JSON limit get a 400 with the reason (never
 * a 5xx that would invite Huma to send them again), and whatever the edge accepts can be stored as
 * a dead letter and replayed byte for byte.
 */
class HostileWebhookTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties("huma.retry.initial-delay", "20", "huma.retry.max-redeliveries", "1");
    }

    @ParameterizedTest
    @ValueSource(ints = {33, 999, 1001, 100_000})
    void deepNestingIs400NotRetryable(int depth) throws Exception {
        String body = "{\"question_status\":\"succeeded\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}";

        assertRefused(body, "request body is nested deeper than 32 levels (huma.http.max-json-depth)");
    }

    @Test
    void unclosedDeepNestingIs400() throws Exception {
        assertRefused("[".repeat(100_000), "request body is nested deeper than 32 levels (huma.http.max-json-depth)");
    }

    @Test
    void aNumberOfFiveThousandDigitsIs400() throws Exception {
        assertRefused("{\"ticket_number\":" + "9".repeat(5000) + "}",
                "request body is over a JSON limit: Number value length (5000) exceeds the maximum allowed (1000)");
    }

    @Test
    void aLongFractionIs400() throws Exception {
        assertRefused("{\"n\":0." + "1".repeat(5000) + "}",
                "request body is over a JSON limit: Number value length (5000) exceeds the maximum allowed (1000)");
    }

    @Test
    void invalidUtf8Is400() throws Exception {
        byte[] body = {'{', '"', 'q', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}'};
        HttpResponse<String> response = send(request(QUESTION_PATH)
                .header("Authorization", "Bearer " + CALLBACK_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertBadRequest(response, "request body is not valid UTF-8");
    }

    @Test
    void duplicateKeysAre400() throws Exception {
        HttpResponse<String> response = webhook(SUBSCRIPTION_PATH,
                "{\"links\":[{\"href\":\"/v1/subscription/s1/data\"}],\"links\":[]}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json.readTree(response.body()).get("error").asText()).startsWith("request body is not valid JSON");
    }

    @Test
    void aCharsetOtherThanUtf8Is400() throws Exception {
        HttpResponse<String> response = post(QUESTION_PATH, "Bearer " + CALLBACK_TOKEN, "application/json; charset=utf-16",
                SimulatedWebhooks.question("t1", null, "processing").body());

        assertBadRequest(response, "request body must be UTF-8 (RFC 8259), not 'utf-16'");
    }

    @Test
    void whatTheEdgeAcceptsIsStoredExactlyAndReplayedExactly() throws Exception {
        // as deep as the edge allows, with numbers and escapes no re-encoding would keep as they are
        String nested = "[".repeat(29) + "{\"n\":1.10}" + "]".repeat(29);
        String payload = "{\"question\":\"deep \\ud83d\\ude00 \\u202e\",\"question_status\":\"succeeded\","
                + "\"ticket_number\":\"t-deep\",\"big\":" + "7".repeat(1000) + ",\"huge\":1e999999999,"
                + "\"lone\":\"\\ud800\",\"deep\":" + nested + "}";
        HUMA.question("t-deep", 5);
        HUMA.fail("/v1/questions/t-deep/result", null, 404, Integer.MAX_VALUE);
        NotifyBuilder failed = whenDone("huma-question-computed-worker", 1);

        assertThat(webhook(QUESTION_PATH, payload).statusCode()).isEqualTo(200);

        awaitDone(failed);
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetterFiles().size() == 1);
        Path deadLetter = deadLetterFiles().get(0);
        String record = Files.readString(deadLetter);
        assertThat(record).contains(payload);
        JsonNode stored = json.readTree(record);
        assertThat(stored.get("http_status").asInt()).isEqualTo(404);

        // replayed: the worker gets the very same text, and it fails the same way again
        HUMA.recover();
        NotifyBuilder replayed = whenDone("huma-question-computed-worker", 1);
        Path replay = Files.createDirectories(dataDir.resolve("replay"));
        Files.move(deadLetter, replay.resolve(deadLetter.getFileName()));
        awaitDone(replayed);
        awaitOutput("deep___result.json");
        List<HumaSimulator.Request> calls = HUMA.apiRequests();
        assertThat(calls).extracting(HumaSimulator.Request::path).containsOnly("/v1/questions/t-deep/result");
    }

    private void assertRefused(String body, String reason) throws Exception {
        NotifyBuilder one = whenDone("huma-question-computed-worker", 1);
        NotifyBuilder two = whenDone("huma-question-computed-worker", 2);

        assertBadRequest(webhook(QUESTION_PATH, body), reason);

        // the server still serves; the worker sees that webhook only
        assertThat(webhook(SimulatedWebhooks.question("ok", null, "processing")).statusCode()).isEqualTo(200);
        awaitDone(one);
        awaitWorkersIdle();
        assertThat(two.matches()).as("the refused body was queued").isFalse();
        assertThat(HUMA.requests()).isEmpty();
    }

    private void assertBadRequest(HttpResponse<String> response, String reason) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Retry-After")).as("no invitation to retry").isEmpty();
        assertThat(json.readTree(response.body()).get("error").asText()).isEqualTo(reason);
    }
}
