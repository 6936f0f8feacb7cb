package ai.huma.camel.runtime;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator page's HTTP side on the management port, with a management token set: the page and
 * its JSON, what a replay takes (the token, the page's own origin, a dead letter's file name) and that
 * nothing but a replay changes anything. The page in a browser: {@code OperatorPageIT}.
 */
class OperatorPageTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.management.token", MANAGEMENT_TOKEN,
                "huma.retry.initial-delay", "20",
                "huma.retry.max-redeliveries", "1");
    }

    @Test
    void thePageAndItsJsonAreServedOnTheManagementPort() throws Exception {
        HUMA.question("a1", 250);
        webhook(SimulatedWebhooks.question("a1", "shown"));
        webhook(SimulatedWebhooks.question("a1", "shown"));                   // a repeat
        awaitOutput("shown_result.json");
        await().atMost(Duration.ofSeconds(10)).until(() -> event("a1", "result") != null && event("a1", "duplicate") != null);

        HttpResponse<String> page = management("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString().contains("script-src 'self'");
        assertThat(page.body()).contains("<meta name=\"viewport\"", "/operator/operator.js");
        assertThat(management("/operator/operator.js").statusCode()).isEqualTo(200);
        assertThat(management("/operator/operator.css").statusCode()).isEqualTo(200);
        // not where Huma calls in
        assertThat(send(request("/operator/status.json").GET().build()).statusCode()).isNotEqualTo(200);

        JsonNode status = json.readTree(management("/operator/status.json").body());
        assertThat(status.get("ready").asBoolean()).isTrue();
        assertThat(status.get("replay_enabled").asBoolean()).isTrue();
        assertThat(status.get("checks").findValuesAsText("name")).contains("huma-edge", "huma-queues");
        assertThat(status.get("queues").findValuesAsText("queue")).containsExactly("question", "subscription", "history");

        JsonNode duplicate = event("a1", "duplicate");
        assertThat(duplicate.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(duplicate.get("files")).isEmpty();
        JsonNode result = event("a1", "result");
        assertThat(result.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(result.get("at").asText()).endsWith("Z");
        assertThat(result.get("pages").asInt()).isEqualTo(3);
        assertThat(result.get("records").asInt()).isEqualTo(250);
        assertThat(result.get("files").get(0).asText()).isEqualTo("shown_result.json");
        assertThat(result.get("destinations").get(0).asText()).startsWith("file:");
        assertThat(result.get("trace_id").isNull()).isTrue();
    }

    @Test
    void aReplayNeedsTheTokenAndThePagesOwnOriginAndGetsChangeNothing() throws Exception {
        Path deadLetter = oneDeadLetter("r1");
        String name = deadLetter.getFileName().toString();
        String replay = "/operator/dead-letters/" + name + "/replay";

        JsonNode listed = json.readTree(management("/operator/dead-letters.json").body());
        assertThat(listed.get("total").asInt()).isEqualTo(1);
        JsonNode entry = listed.get("dead_letters").get(0);
        assertThat(entry.get("name").asText()).isEqualTo(name);
        assertThat(entry.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(entry.get("id").asText()).isEqualTo("r1");
        assertThat(entry.get("reason").asText()).contains("statusCode: 500");
        assertThat(entry.get("attempts").asInt()).isEqualTo(2);
        assertThat(entry.get("failed_at").asText()).isNotEmpty();
        JsonNode failed = event("r1", "dead letter");
        assertThat(failed.get("dead_letter").asText()).isEqualTo(name);
        assertThat(failed.get("reason").asText()).contains("statusCode: 500");

        // GETs change nothing; the replay path takes POST only
        assertThat(management(replay).statusCode()).isEqualTo(405);
        // no token, a wrong one, a wrong scheme
        assertThat(post(replay).statusCode()).isEqualTo(401);
        assertThat(post(replay, "X-Huma-Management-Token", MANAGEMENT_TOKEN + "x").statusCode()).isEqualTo(401);
        assertThat(post(replay, "Authorization", "Basic " + MANAGEMENT_TOKEN).statusCode()).isEqualTo(401);
        // from another origin, even with the token
        assertThat(post(replay, "X-Huma-Management-Token", MANAGEMENT_TOKEN, "Origin", "http://evil.example").statusCode())
                .isEqualTo(403);
        assertThat(post(replay, "X-Huma-Management-Token", MANAGEMENT_TOKEN, "Sec-Fetch-Site", "cross-site").statusCode())
                .isEqualTo(403);
        assertThat(post(replay, "X-Huma-Management-Token", MANAGEMENT_TOKEN, "Origin", "null").statusCode()).isEqualTo(403);
        // names that are not a dead letter's
        for (String bad : List.of("..%2F..%2Fdeliveries.idx", "%2Fetc%2Fpasswd", ".hidden.json", "x.txt", "..json", "a%00.json")) {
            assertThat(post("/operator/dead-letters/" + bad + "/replay", "X-Huma-Management-Token", MANAGEMENT_TOKEN)
                    .statusCode()).as(bad).isIn(400, 404);
        }
        assertThat(post("/operator/dead-letters/20990101T000000.000Z-none.json/replay", "X-Huma-Management-Token", MANAGEMENT_TOKEN)
                .statusCode()).isEqualTo(404);
        HttpResponse<String> refused = post(replay, "X-Huma-Management-Token", "wrong-token-of-some-length");
        assertThat(refused.body()).doesNotContain("wrong-token-of-some-length");
        assertThat(deadLetterFiles()).containsExactly(deadLetter);
        awaitWorkersIdle();
        assertThat(outputFiles()).isEmpty();

        // the page's own origin, with the token (as a Bearer token here): replayed through the worker
        HUMA.recover();
        HttpResponse<String> accepted = post(replay, "Authorization", "Bearer " + MANAGEMENT_TOKEN,
                "Origin", "http://127.0.0.1:" + managementPort, "Sec-Fetch-Site", "same-origin");
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(json.readTree(accepted.body()).get("replaying").asText()).isEqualTo(name);
        awaitOutput("r1_result.json");
        await().atMost(Duration.ofSeconds(10)).until(() -> event("r1", "result") != null);
        assertThat(deadLetterFiles()).isEmpty();
        assertThat(Files.exists(dataDir.resolve("replay").resolve(".replayed").resolve(name))).isTrue();
        assertThat(post(replay, "X-Huma-Management-Token", MANAGEMENT_TOKEN).statusCode()).as("once only").isEqualTo(404);
    }

    /** A question whose answer fails for good: its dead letter. */
    private Path oneDeadLetter(String ticket) {
        HUMA.question(ticket, 5);
        HUMA.fail("/v1/questions/" + ticket + "/result", null, 500, Integer.MAX_VALUE);
        webhook(SimulatedWebhooks.question(ticket, ticket));
        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterFiles().size() == 1);
        return deadLetterFiles().get(0);
    }

    /** The newest of the last events with that id and outcome; null when there is none. */
    private JsonNode event(String id, String outcome) throws Exception {
        for (JsonNode event : json.readTree(management("/operator/events.json").body()).get("events")) {
            if (id.equals(event.get("id").asText()) && outcome.equals(event.get("outcome").asText())) {
                return event;
            }
        }
        return null;
    }

    private HttpResponse<String> management(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build());
    }

    private HttpResponse<String> post(String path, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }
}
