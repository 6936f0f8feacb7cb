package ai.huma.camel.edge;

import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** huma.callback.allowed-sources with the loopback block: the tests' webhooks are accepted, the token still checked. */
class AllowListLoopbackTest extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.callback.allowed-sources", "10.0.0.0/8, 192.0.2.1, 127.0.0.0/8");
    }

    @Test
    void aWebhookFromAnAllowedSourceIsAcceptedAndWorked() {
        HUMA.question("a1", 3);
        NotifyBuilder done = whenDone("huma-question-computed-worker", 1);

        assertThat(webhook(SimulatedWebhooks.question("a1", "allowed")).statusCode()).isEqualTo(200);

        awaitDone(done);
        awaitOutput("allowed_result.json");
    }

    @Test
    void theTokenIsStillCheckedForAnAllowedSource() {
        assertThat(post(QUESTION_PATH, "Bearer wrong", "application/json",
                SimulatedWebhooks.question("abc", "q", "rejected").body()).statusCode()).isEqualTo(401);
    }
}
