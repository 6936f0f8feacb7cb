package com.example.estate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The estate's application with huma-camel on its class path, on a real port: its own route still
 * answers, and Huma's webhooks are received, fetched from a simulated Huma API and written as result
 * files, counted in the estate's Prometheus meters and checked in its health, with nothing configured
 * but the three secrets and two folders.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
// a Spring Boot test leaves metrics exporters off unless asked: the estate's Prometheus registry, as in production
@AutoConfigureObservability(tracing = false)
@DirtiesContext
class HostIntegrationTest {

    static final String TOKEN = "estate-webhook-secret-for-tests";
    static final HumaSimulator HUMA = Support.simulator();
    static final Path WORK = Support.folderUnderTarget("host-it-");
    static final Path OUTPUT = WORK.resolve("output");
    static final Path DATA = WORK.resolve("data");

    @DynamicPropertySource
    static void huma(DynamicPropertyRegistry registry) {
        registry.add("huma.api.url", HUMA::baseUrl);
        registry.add("huma.api.secret-key", HUMA::apiKey);
        registry.add("huma.callback.token", () -> TOKEN);
        registry.add("huma.output.dir", OUTPUT::toString);
        registry.add("huma.data.dir", DATA::toString);
    }

    @AfterAll
    static void stopHuma() {
        HUMA.close();
    }

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    private String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Test
    void theEstatesOwnRouteStillAnswers() throws Exception {
        HttpResponse<String> hello = get("/hello");

        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello from the estate");
        assertThat(hello.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
    }

    @Test
    void aSignedWebhookOfEachKindIsAnsweredAndBecomesItsResultFiles() throws Exception {
        List<Webhook> webhooks = Stream.of(Kind.QUESTION, Kind.SUBSCRIPTION, Kind.HISTORY)
                .map(Support::webhook)
                .toList();

        for (Webhook webhook : webhooks) {
            HttpResponse<String> answer = SimulatedWebhooks.send(http, baseUrl(), TOKEN, webhook);
            assertThat(answer.statusCode()).as("%s webhook", webhook.kind()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("{}");
        }

        for (Webhook webhook : webhooks) {
            assertThat(webhook.resultFiles()).isNotEmpty();
            for (String file : webhook.resultFiles()) {
                await("result file " + file + " of the " + webhook.kind() + " webhook").atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(OUTPUT.resolve(file)).isNotEmptyFile());
            }
        }
        // the question's answer has three pages of records in the simulator: all of them in the result
        Webhook question = webhooks.get(0);
        String result = Files.readString(OUTPUT.resolve(question.resultFiles().get(0)));
        assertThat(result).contains(question.id());
        assertThat(HUMA.requests()).filteredOn(r -> r.path().equals("/v1/questions/" + question.id() + "/result"))
                .extracting(HumaSimulator.Request::page).containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    void aWebhookWithTheWrongTokenIs401AndNeverFetched() throws Exception {
        Webhook forged = Support.webhook(Kind.QUESTION);
        Webhook signed = Support.webhook(Kind.QUESTION);

        HttpResponse<String> refused = SimulatedWebhooks.send(http, baseUrl(), "not-" + TOKEN, forged);
        HttpResponse<String> accepted = SimulatedWebhooks.send(http, baseUrl(), TOKEN, signed);

        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(accepted.statusCode()).isEqualTo(200);
        // the signed one, sent after the forged one, went all the way through the same queue...
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(OUTPUT.resolve(signed.resultFiles().get(0))).isNotEmptyFile());
        // ...and the forged one never reached Huma nor the output folder
        assertThat(HUMA.requests()).noneMatch(r -> r.path().contains(forged.id()));
        assertThat(OUTPUT.resolve(forged.resultFiles().get(0))).doesNotExist();
        try (Stream<Path> files = Files.list(OUTPUT)) {
            assertThat(files.map(file -> file.getFileName().toString())).noneMatch(name -> name.contains(forged.id()));
        }
    }

    @Test
    void theHumaMetersAreInTheEstatesPrometheusEndpoint() throws Exception {
        Webhook signed = Support.webhook(Kind.SUBSCRIPTION);
        assertThat(SimulatedWebhooks.send(http, baseUrl(), TOKEN, signed).statusCode()).isEqualTo(200);
        assertThat(SimulatedWebhooks.send(http, baseUrl(), "wrong", signed).statusCode()).isEqualTo(401);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(OUTPUT.resolve(signed.resultFiles().get(0))).isNotEmptyFile());

        await("huma meters in /actuator/prometheus").atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> prometheus = get("/actuator/prometheus");
            assertThat(prometheus.statusCode()).isEqualTo(200);
            assertThat(prometheus.body())
                    .containsPattern(sample("huma_webhooks_total", "status=\"200\""))
                    .containsPattern(sample("huma_webhooks_total", "status=\"401\""))
                    .containsPattern(sample("huma_events_completed_total", "event=\"Subscriptions/AnswerUpdated\""));
        });
    }

    @Test
    void theEstatesHealthIsUpAndNamesTheHumaChecks() throws Exception {
        await("/actuator/health UP").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> health = get("/actuator/health");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            JsonNode body = json.readTree(health.body());
            assertThat(body.path("status").asText()).as(health.body()).isEqualTo("UP");
            JsonNode camel = body.path("components").path("camelHealth");
            assertThat(camel.path("status").asText()).as(health.body()).isEqualTo("UP");
            assertThat(camel.path("details").path("huma-edge").asText()).as(health.body()).isEqualTo("UP");
            assertThat(camel.path("details").path("huma-queues").asText()).as(health.body()).isEqualTo("UP");
        });
    }

    /** A sample line of that meter, with that label, and a value above zero. */
    private static Pattern sample(String meter, String label) {
        return Pattern.compile("(?m)^" + meter + "\\{[^}]*" + Pattern.quote(label) + "[^}]*\\} (?!0\\.0$)[0-9.E+]+$");
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
