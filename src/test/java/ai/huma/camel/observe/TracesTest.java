package ai.huma.camel.observe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.BundleProcess;
import ai.huma.camel.support.HumaRoutesTestSupport;
import ai.huma.camel.support.OtlpReceiver;
import ai.huma.camel.support.OtlpReceiver.Received;
import ai.huma.camel.support.TestKafka;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kafka.testkit.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Traces (docs/operations.md "Traces"), switched on as a user does: the launcher in a JVM of its own
 * with {@code OTEL_EXPORTER_OTLP_ENDPOINT} in its environment, exporting OTLP over HTTP (protobuf) to
 * an {@link OtlpReceiver} on loopback. In each queue mode, one event is one trace: the webhook, the
 * hop over the queue (in-memory with the exchange, Artemis and Kafka by the W3C trace context
 * header), the worker, each page call to Huma with its page, event and id, and the delivery; a dead
 * letter keeps its trace context and its replay's span links to it; each log line of an event says
 * its trace id; no span carries a secret or a URL's query; the warm-up exports nothing.
 */
@Execution(ExecutionMode.CONCURRENT)
class TracesTest {

    private static final String TICKET = "65a1b2c3d4e5f60718293a4b";
    private static final String FAILING_TICKET = "65a1b2c3d4e5f60718293a4c";
    private static final String RESULT = "What_were_sales_in_2023_result.json";
    private static final String FAILING_RESULT = "Sales_by_region_result.json";

    private final HumaSimulator huma = HumaSimulator.start();
    private final OtlpReceiver otlp = OtlpReceiver.start();
    private final ObjectMapper json = new ObjectMapper();
    private KafkaClusterTestKit kafka;

    @AfterEach
    void stop() throws Exception {
        otlp.close();
        huma.close();
        if (kafka != null) {
            kafka.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"journal", "durable", "kafka"})
    void eachEventIsOneTraceAcrossItsQueueAndADeadLetterItsReplayLinked(String mode) throws Exception {
        huma.question(TICKET, 250);
        huma.question(FAILING_TICKET, 250);
        try (BundleProcess bundle = new BundleProcess("TracesTest-" + mode, tracedEnvironment(mode)).start()) {
            // --- one event, one trace ---------------------------------------------------------------
            assertThat(bundle.deliver(SimulatedWebhooks.question(TICKET, "What were sales in 2023?")).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").contains(RESULT));
            Received delivery = awaitSpan(span -> RESULT.equals(span.attribute("file.name")));
            String traceId = delivery.traceId();
            // a parent span ends (and is exported) after its children: wait until each span of the
            // trace leads back to its root
            await().atMost(Duration.ofSeconds(10)).until(() -> isWhole(otlp.trace(traceId)));
            List<Received> trace = otlp.trace(traceId);

            // the webhook is the trace's root; no warm-up webhook was exported
            Received webhook = trace.stream().filter(Received::isRoot).findFirst().orElseThrow();
            assertThat(webhook.attribute("component")).isEqualTo("camel-platform-http");
            assertThat(webhook.attribute("op")).isEqualTo("EVENT_RECEIVED");
            assertThat(webhook.attribute("http.url")).endsWith("/api/webhook-question-answered");
            assertThat(webhook.service()).isEqualTo("huma-camel");
            // (the warm-up sent each kind of webhook; this test sends questions only, one or more attempts)
            assertThat(otlp.spans(span -> "camel-platform-http".equals(span.attribute("component"))))
                    .as("the warm-up is not exported").isNotEmpty()
                    .allMatch(span -> span.attribute("http.url").endsWith("/api/webhook-question-answered"));

            // every span of the event is in that one trace, and every one leads back to the webhook
            assertThat(otlp.spans(span -> TICKET.equals(span.attribute("huma.id")))).extracting(Received::traceId).containsOnly(traceId);
            for (Received span : trace) {
                List<Received> ancestry = otlp.ancestry(span);
                assertThat(ancestry.get(ancestry.size() - 1)).as("%s leads back to the webhook", span.name()).isEqualTo(webhook);
            }

            // the hop over the queue: the worker's span is the child of the edge's send to its queue
            String queueComponent = Map.of("journal", "camel-seda", "durable", "camel-jms", "kafka", "camel-kafka").get(mode);
            Received worker = trace.stream().filter(span -> queueComponent.equals(span.attribute("component"))
                    && "EVENT_RECEIVED".equals(span.attribute("op"))).findFirst().orElseThrow();
            Received send = otlp.ancestry(worker).get(1);
            assertThat(send.attribute("component")).isEqualTo(queueComponent);
            assertThat(send.attribute("op")).isEqualTo("EVENT_SENT");
            assertThat(otlp.ancestry(send).get(1)).isEqualTo(webhook);
            assertThat(worker.attribute("huma.event")).isEqualTo("Questions/Computed");

            // one span per page call to Huma, with its page, event and id, under the worker
            List<Received> pages = trace.stream().filter(span -> "camel-http".equals(span.attribute("component"))).toList();
            assertThat(pages).extracting(span -> span.attribute("huma.page")).containsExactlyInAnyOrder("1", "2", "3");
            assertThat(pages).allSatisfy(page -> {
                assertThat(page.name()).isEqualTo("GET");
                assertThat(page.attribute("huma.event")).isEqualTo("Questions/Computed");
                assertThat(page.attribute("huma.id")).isEqualTo(TICKET);
                assertThat(page.attribute("huma.call")).isEqualTo("api");
                assertThat(page.attribute("url.path")).isEqualTo("/v1/questions/" + TICKET + "/result");
                assertThat(page.attribute("http.url")).isEqualTo(huma.baseUrl() + "/v1/questions/" + TICKET + "/result");
                assertThat(page.attribute("http.status_code")).isEqualTo("200");
                assertThat(otlp.ancestry(page)).contains(worker);
            });
            // the delivery, under the worker too
            assertThat(delivery.attribute("component")).isEqualTo("camel-file");
            assertThat(delivery.attribute("huma.id")).isEqualTo(TICKET);
            assertThat(otlp.ancestry(delivery)).contains(worker);

            // --- a dead letter and its replay -------------------------------------------------------
            huma.fail("/v1/questions/" + FAILING_TICKET + "/result", 2, 404, 1);
            assertThat(bundle.deliver(SimulatedWebhooks.question(FAILING_TICKET, "Sales by region")).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> !bundle.files("data/dead-letter").isEmpty());
            String deadLetterName = bundle.files("data/dead-letter").get(0);
            Path deadLetter = bundle.workDir().resolve("data/dead-letter").resolve(deadLetterName);
            JsonNode record = json.readTree(Files.readString(deadLetter, StandardCharsets.UTF_8));
            String failedTrace = Traces.traceIdOf(record.path("traceparent").asText(null));
            assertThat(failedTrace).as("the dead letter keeps its trace context").isNotNull().isNotEqualTo(traceId);
            Received failedPage = awaitSpan(span -> "2".equals(span.attribute("huma.page")) && FAILING_TICKET.equals(span.attribute("huma.id")));
            assertThat(failedPage.traceId()).isEqualTo(failedTrace);
            assertThat(failedPage.attribute("http.status_code")).isEqualTo("404");
            assertThat(failedPage.attribute("error")).isEqualTo("true");
            awaitSpan(span -> span.traceId().equals(failedTrace) && "huma-dead-letter".equals(span.name()));

            Files.createDirectories(bundle.workDir().resolve("data/replay"));
            Files.move(deadLetter, bundle.workDir().resolve("data/replay").resolve(deadLetterName));
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").contains(FAILING_RESULT));
            Received replay = awaitSpan(span -> failedTrace.equals(span.attribute("huma.replay.of_trace_id")));
            assertThat(replay.traceId()).as("a replay is a trace of its own").isNotEqualTo(failedTrace);
            assertThat(replay.links()).singleElement().satisfies(link -> {
                assertThat(link.traceId()).isEqualTo(failedTrace);
                assertThat(link.attributes()).containsEntry("huma.link", "dead-letter");
            });
            assertThat(replay.attribute("component")).isEqualTo("camel-file");
            Received replayedDelivery = awaitSpan(span -> FAILING_RESULT.equals(span.attribute("file.name")));
            assertThat(replayedDelivery.traceId()).as("the replayed event's work is in the replay's trace").isEqualTo(replay.traceId());
            assertThat(otlp.trace(replay.traceId())).filteredOn(span -> "camel-http".equals(span.attribute("component")))
                    .extracting(span -> span.attribute("huma.page")).containsExactlyInAnyOrder("1", "2", "3");

            // --- each log line of an event says its trace ---------------------------------------------
            String console = bundle.output();
            assertThat(console).containsPattern("\\[trace_id=" + traceId + "\\] huma-deliver - Questions/Computed " + TICKET);
            assertThat(console).containsPattern("\\[trace_id=" + failedTrace + "\\] huma-dead-letter - Questions/Computed event failed");
            assertThat(console).containsPattern("\\[trace_id=" + replay.traceId() + "\\] huma-dead-letter-replay - Replayed dead letter");
            assertThat(console).containsPattern("\\[trace_id=" + replay.traceId() + "\\] huma-deliver - Questions/Computed " + FAILING_TICKET);
            assertThat(console).contains("RuntimeTracing - Traces: OTLP (http/protobuf) to " + otlp.endpoint() + "/v1/traces, service huma-camel");

            // --- the operator page's last events name the same traces --------------------------------
            JsonNode events = json.readTree(bundle.management("/operator/events.json").body()).path("events");
            assertThat(events.findValuesAsText("trace_id")).contains(traceId, failedTrace, replay.traceId());

            // --- nothing secret, no query, OTLP over HTTP in protobuf ---------------------------------
            assertThat(otlp.spans()).allSatisfy(span -> {
                assertThat(span.attributes().values()).noneMatch(value -> value.contains(huma.apiKey()))
                        .noneMatch(value -> value.contains(HumaRoutesTestSupport.CALLBACK_TOKEN));
                assertThat(span.attributes().getOrDefault("http.url", "")).doesNotContain("?");
            });
            assertThat(otlp.contentTypes()).isNotEmpty().containsOnly("application/x-protobuf");
        }
    }

    @Test
    void withoutTheVariablesNothingIsTracedOrPrinted() throws Exception {
        huma.question(TICKET, 250);
        Map<String, String> environment = new HashMap<>(Map.of("API_URL", huma.baseUrl(), "API_SECRET_KEY", huma.apiKey(),
                "API_CALLBACK_AUTH", HumaRoutesTestSupport.CALLBACK_TOKEN,
                // an endpoint's neighbours alone do not switch it on
                "OTEL_SERVICE_NAME", "not-traced", "OTEL_BSP_SCHEDULE_DELAY", "100"));
        try (BundleProcess bundle = new BundleProcess("TracesTest-off", environment).start()) {
            assertThat(bundle.deliver(SimulatedWebhooks.question(TICKET, "What were sales in 2023?")).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").contains(RESULT));
            assertThat(bundle.output()).doesNotContain("trace_id").doesNotContain("Traces:").doesNotContain("Opentelemetry");
        }
        assertThat(otlp.spans()).isEmpty();
        assertThat(huma.apiRequests()).isNotEmpty();
    }

    private Map<String, String> tracedEnvironment(String mode) {
        Map<String, String> environment = new HashMap<>();
        if (mode.equals("kafka")) {
            kafka = TestKafka.start();
            TestKafka.createTopics(kafka, "traces");
            environment.putAll(TestKafka.bundleEnvironment(huma, kafka, "traces", "huma-camel-traces"));
        } else {
            environment.put("HUMA_QUEUE_MODE", mode);
        }
        environment.put("API_URL", huma.baseUrl());
        environment.put("API_SECRET_KEY", huma.apiKey());
        environment.put("API_CALLBACK_AUTH", HumaRoutesTestSupport.CALLBACK_TOKEN);
        environment.put("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint());
        // a warm-up of each kind of webhook, as in production (not exported)
        environment.put("HUMA_HTTP_WARM_UP_REQUESTS", "3");
        // spans go out within a tenth of a second, not the SDK's 5 s
        environment.put("OTEL_BSP_SCHEDULE_DELAY", "100");
        return environment;
    }

    private Received awaitSpan(java.util.function.Predicate<Received> which) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> otlp.spans(which), found -> !found.isEmpty()).get(0);
    }

    private boolean isWhole(List<Received> trace) {
        Received root = trace.stream().filter(Received::isRoot).findFirst().orElse(null);
        return root != null && trace.stream().allMatch(span -> {
            List<Received> ancestry = otlp.ancestry(span);
            return ancestry.get(ancestry.size() - 1).equals(root);
        });
    }
}
