package ai.huma.camel.runtime;

import ai.huma.camel.edge.WarmUpMarker;

import java.net.http.HttpResponse;
import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readiness: by the time the bundle says ready (GET / answers hello!), the edge has been warmed up
 * with webhooks of its own, and none of them reached a worker, Huma or a file.
 */
// one bundle per test: each test watches the bundle start
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
class ReadinessTest extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        return properties("huma.http.warm-up-requests", "20");
    }

    @Test
    void readyOnceWarmAndTheWarmUpLeavesNoTrace() {
        WebhookServer server = context.getRegistry().lookupByNameAndType(WebhookServer.NAME, WebhookServer.class);
        assertThat(server.isReady()).isTrue();

        HttpResponse<String> hello = send(request("/").GET().build());
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello!");

        // 60 warm-up webhooks went through the edge: none was queued
        awaitWorkersIdle();
        assertThat(HUMA.requests()).isEmpty();
        assertThat(outputFiles()).isEmpty();
        assertThat(deadLetterFiles()).isEmpty();
    }

    @Test
    void theWarmUpHeaderOfAnotherProcessIsAnOrdinaryWebhook() {
        HUMA.question("000000000000000000000000", 3);
        String body = SimulatedWebhooks.question("000000000000000000000000", "forged").body();

        HttpResponse<String> answer = send(request(QUESTION_PATH)
                .header("Authorization", "Bearer " + CALLBACK_TOKEN).header("Content-Type", "application/json")
                .header(WarmUpMarker.HEADER, "00000000000000000000000000000000")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());

        assertThat(answer.statusCode()).isEqualTo(200);
        awaitOutput("forged_result.json");
    }

    @Test
    void aWarmUpHeaderDoesNotGetPastTheTokenCheck() {
        HttpResponse<String> answer = send(request(QUESTION_PATH)
                .header("Authorization", "Bearer wrong").header("Content-Type", "application/json")
                .header(WarmUpMarker.HEADER, "00000000000000000000000000000000")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build());

        assertThat(answer.statusCode()).isEqualTo(401);
    }
}
