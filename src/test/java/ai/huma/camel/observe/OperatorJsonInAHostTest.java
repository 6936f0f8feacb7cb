package ai.huma.camel.observe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a host gets of the operator page: the JSON, through the library's humaOperatorReport bean and
 * a route file of the host's own (examples/operator-json.camel.yaml), on the host's platform-http
 * server (here the webhook server, as a host's own would be).
 */
class OperatorJsonInAHostTest extends HumaRoutesTestSupport {

    private static final Path HOST_ROUTES = hostRoutes();

    private final ObjectMapper json = new ObjectMapper();

    private static Path hostRoutes() {
        try {
            Path folder = Files.createTempDirectory(Files.createDirectories(TEST_WORK), "OperatorJsonInAHostTest-routes-");
            Files.copy(Path.of("examples", "operator-json.camel.yaml"), folder.resolve("operator-json.camel.yaml"));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected Properties extraProperties() {
        return properties("huma.routes", "file:" + HOST_ROUTES.toAbsolutePath() + "/*.camel.yaml");
    }

    @Test
    void theExampleServesTheStatusTheEventsAndTheDeadLettersAsJson() throws Exception {
        HUMA.question("h1", 5);
        webhook(SimulatedWebhooks.question("h1", "in a host"));
        awaitOutput("in_a_host_result.json");

        await().atMost(Duration.ofSeconds(10)).until(() -> get("/huma-operator/events.json").body().contains("\"h1\""));
        HttpResponse<String> events = get("/huma-operator/events.json");
        HttpResponse<String> status = get("/huma-operator/status.json");
        HttpResponse<String> deadLetters = get("/huma-operator/dead-letters.json");

        assertThat(events.headers().firstValue("Content-Type")).get().asString().startsWith("application/json");
        assertThat(json.readTree(events.body()).get("events").get(0).get("outcome").asText()).isEqualTo("result");
        JsonNode ready = json.readTree(status.body());
        assertThat(ready.get("ready").asBoolean()).isTrue();
        assertThat(ready.has("replay_enabled")).as("the jar's page says that; a host's replay is its own").isFalse();
        assertThat(json.readTree(deadLetters.body()).get("total").asInt()).isZero();
        assertThat(send(request("/huma-operator/status.json").DELETE().build()).statusCode()).isEqualTo(405);
    }

    private HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }
}
