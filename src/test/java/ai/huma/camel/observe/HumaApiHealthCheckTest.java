package ai.huma.camel.observe;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Properties;

import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The optional check that Huma takes the API key, against the simulator's GET /v1/sdk/access-permissions. */
class HumaApiHealthCheckTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties("huma.health.api-check.enabled", "true", "huma.health.api-check.interval", "1000");
    }

    @Test
    void humaApiIsUpWhenTheSimulatorTakesTheKey() throws Exception {
        await().atMost(Duration.ofSeconds(15)).until(() -> "UP".equals(apiCheck().path("status").asText()));

        assertThat(HUMA.requests()).anySatisfy(request -> {
            assertThat(request.path()).isEqualTo("/v1/sdk/access-permissions");
            assertThat(request.method()).isEqualTo("GET");
            assertThat(request.serviceAccess()).isEqualTo("questions");
            assertThat(request.authorization()).isEqualTo("Bearer " + HUMA.apiKey());
        });
    }

    @Test
    void humaApiIsDownWithTheReasonWhenTheKeyIsRefused() throws Exception {
        HUMA.fail("/v1/sdk/access-permissions", null, 401, Integer.MAX_VALUE);

        await().atMost(Duration.ofSeconds(15)).until(() -> "DOWN".equals(apiCheck().path("status").asText()));
        assertThat(apiCheck().toString()).contains("Huma answered 401: check API_SECRET_KEY").doesNotContain(HUMA.apiKey());
    }

    /** The huma-api entry of /observe/health (every check, in full). */
    private JsonNode apiCheck() throws Exception {
        HttpResponse<String> health = send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/observe/health?exposureLevel=full"))
                .timeout(Duration.ofSeconds(10)).GET().build());
        for (JsonNode check : json.readTree(health.body()).path("checks")) {
            if ("huma-api".equals(check.path("name").asText())) {
                return check;
            }
        }
        return json.createObjectNode();
    }
}
