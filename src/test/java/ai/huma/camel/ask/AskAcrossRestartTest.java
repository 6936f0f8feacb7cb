package ai.huma.camel.ask;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.support.BundleProcess;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bundle is down while Huma calls back: a request was asked and its ticket recorded, then the
 * process was killed (SIGKILL), and Huma's three attempts at the webhook found nobody. After the
 * restart the ticket is still there, the reconciliation finds the question done, and its answer is
 * written once; the request was asked once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AskAcrossRestartTest {

    private static final String TOKEN = "restart-token";
    private final HumaSimulator huma = HumaSimulator.start();
    private final ObjectMapper json = new ObjectMapper();

    @AfterAll
    void stop() {
        huma.close();
    }

    @Test
    void aTicketAskedBeforeAKillIsReconciledAfterTheRestart() throws Exception {
        Map<String, String> settings = Map.of("API_URL", huma.baseUrl(), "API_SECRET_KEY", huma.apiKey(), "API_CALLBACK_AUTH", TOKEN,
                "HUMA_RECONCILE_AFTER", "1500", "HUMA_RECONCILE_INTERVAL", "300");
        try (BundleProcess bundle = new BundleProcess("AskAcrossRestartTest", settings).start()) {
            huma.callbacks("http://127.0.0.1:" + bundle.port(), TOKEN);
            huma.callbackRetrySpacing(Duration.ofMillis(200));
            huma.computeDelay(Duration.ofMillis(1500));
            HumaRoutesTestSupport.dropInto(bundle.workDir().resolve("data").resolve("inbox"), "restart.json",
                    "{\"question\": \"Asked before the kill\"}");
            await().atMost(Duration.ofSeconds(20)).until(() -> bundle.files("data/tickets").size() == 1
                    && bundle.files("data/inbox").isEmpty());
            String ticket = bundle.files("data/tickets").get(0).replace(".json", "");

            bundle.kill();

            // Huma computes, and its three attempts find the bundle down
            await().atMost(Duration.ofSeconds(20)).until(() -> huma.callbackAttempts().size() == 3);
            assertThat(huma.callbackAttempts()).extracting(HumaSimulator.Callback::status).containsOnly(-1);
            assertThat(bundle.files("output")).isEmpty();

            bundle.start();

            await().atMost(Duration.ofSeconds(30)).until(() -> bundle.files("output").contains("Asked_before_the_kill_result.json"));
            await().atMost(Duration.ofSeconds(10)).until(() -> bundle.files("data/tickets/closed").contains(ticket + ".json"));
            JsonNode closed = json.readTree(bundle.workDir().resolve("data/tickets/closed/" + ticket + ".json").toFile());
            assertThat(closed.path("outcome").asText()).isEqualTo("answered");
            assertThat(closed.path("polls").asInt()).isPositive();
            assertThat(bundle.output()).contains("1 ticket(s) asked before this start are watched again")
                    .contains("Reconciled ticket " + ticket);
            List<HumaSimulator.Request> asks = huma.apiRequests().stream().filter(r -> r.path().equals("/v1/questions")).toList();
            assertThat(asks).as("asked once").hasSize(1);
            assertThat(huma.apiRequests().stream().filter(r -> r.path().equals("/v1/questions/" + ticket + "/result")).count())
                    .as("its answer fetched once").isEqualTo(3);
            assertThat(bundle.files("data/dead-letter")).isEmpty();
        }
    }
}
