package com.example.estate;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The estate's Camel Main with huma-camel on its class path, against a simulated Huma API: the estate's
 * own route still answers, and the Huma webhooks, metrics and health checks are served by the estate's
 * own servers, with nothing but the three secrets (and two folders) set.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EstateHostTest {

    private final String token = "estate-token-" + UUID.randomUUID();
    private final ObjectMapper json = new ObjectMapper();
    private HumaSimulator huma;
    private RunningEstate estate;

    @BeforeAll
    void start() throws Exception {
        huma = new HumaSimulator();
        estate = RunningEstate.start("host", huma.baseUrl(), huma.apiKey(), token, Map.of());
    }

    @AfterAll
    void stop() {
        if (estate != null) {
            estate.close();
        }
        if (huma != null) {
            huma.close();
        }
    }

    @Test
    void theEstatesOwnRouteStillAnswers() throws Exception {
        HttpResponse<String> hello = estate.get("/hello");

        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello from the estate");
    }

    @Test
    void aSignedWebhookOfEachKindIsAcceptedAndItsResultFilesAreWritten() throws Exception {
        for (Kind kind : Kind.values()) {
            Webhook webhook = SimulatedWebhooks.webhook(kind, SimulatedWebhooks.newId(), "Rent collected in " + kind.argument());

            HttpResponse<String> answer = SimulatedWebhooks.send(estate.http, estate.baseUrl(), token, webhook);

            assertThat(answer.statusCode()).as("%s on the estate's port", kind.path()).isEqualTo(200);
            assertThat(json.readTree(answer.body())).as("answer to %s", kind).isEqualTo(json.createObjectNode());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(webhook.resultFiles())
                    .allSatisfy(file -> assertThat(estate.output.resolve(file)).as("result of %s", kind).isNotEmptyFile()));
            assertThat(huma.apiRequests()).as("calls to the Huma API for %s, with the API key", webhook.id())
                    .filteredOn(request -> request.path().contains(webhook.id()))
                    .isNotEmpty()
                    .allSatisfy(request -> assertThat(request.authorization()).isEqualTo("Bearer " + huma.apiKey()));
        }
        java.nio.file.Path deadLetters = estate.data.resolve("dead-letter");
        assertThat(Files.isDirectory(deadLetters) ? Files.list(deadLetters).filter(Files::isRegularFile).toList() : List.of())
                .as("dead letters").isEmpty();
    }

    @Test
    void aWebhookWithAWrongOrMissingTokenIsRefused() throws Exception {
        Webhook webhook = SimulatedWebhooks.webhook(Kind.QUESTION, SimulatedWebhooks.newId(), "Who pays the service charge");

        HttpResponse<String> wrong = SimulatedWebhooks.send(estate.http, estate.baseUrl(), "not-" + token, webhook);
        HttpResponse<String> missing = estate.http.send(HttpRequest.newBuilder(URI.create(estate.baseUrl() + Kind.QUESTION.path()))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(webhook.body())).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(huma.requests()).as("no call to Huma for a refused webhook")
                .noneMatch(request -> request.path().contains(webhook.id()));
    }

    @Test
    void theHumaMetersAreInTheEstatesMetrics() throws Exception {
        String event = "event=\"Questions/Computed\"";
        String before = metrics();
        Webhook webhook = SimulatedWebhooks.webhook(Kind.QUESTION, SimulatedWebhooks.newId(), "Void periods this year");

        assertThat(SimulatedWebhooks.send(estate.http, estate.baseUrl(), token, webhook).statusCode()).isEqualTo(200);
        assertThat(SimulatedWebhooks.send(estate.http, estate.baseUrl(), "wrong", webhook).statusCode()).isEqualTo(401);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String after = metrics();
            assertThat(delta(before, after, "huma_events_completed_total", event)).isEqualTo(1);
            assertThat(delta(before, after, "huma_webhooks_total", event, "status=\"200\"")).isEqualTo(1);
            assertThat(delta(before, after, "huma_webhooks_total", event, "status=\"401\"")).isEqualTo(1);
        });
        // and Camel's own meters are still there, in the same registry
        assertThat(metrics()).contains("camel_exchanges_total{").contains("routeId=\"huma-question-computed-worker\"");
    }

    @Test
    void theEstateIsReadyWithTheHumaChecks() throws Exception {
        HttpResponse<String> ready = estate.management("/observe/health/ready?exposureLevel=full");

        assertThat(ready.statusCode()).isEqualTo(200);
        JsonNode health = json.readTree(ready.body());
        assertThat(health.get("status").asText()).isEqualTo("UP");
        List<String> checks = health.get("checks").findValuesAsText("name");
        assertThat(checks).contains("huma-edge", "huma-queues", "route:estate-hello");
        assertThat(health.get("checks")).filteredOn(check -> check.get("name").asText().startsWith("huma-"))
                .allSatisfy(check -> assertThat(check.get("status").asText()).isEqualTo("UP"));
    }

    @Test
    void theEstateKeepsItsOwnLogging() {
        assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(ch.qos.logback.classic.LoggerContext.class);
        assertThatThrownBy(() -> Class.forName("org.apache.logging.log4j.core.LoggerContext"))
                .as("huma-camel brings no log4j-core").isInstanceOf(ClassNotFoundException.class);
    }

    private String metrics() throws Exception {
        HttpResponse<String> metrics = estate.management("/observe/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        return metrics.body();
    }

    private static double delta(String before, String after, String name, String... labels) {
        return Prometheus.sum(after, name, labels) - Prometheus.sum(before, name, labels);
    }
}
