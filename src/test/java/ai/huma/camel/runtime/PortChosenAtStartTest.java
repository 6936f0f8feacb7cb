package ai.huma.camel.runtime;

import java.net.http.HttpResponse;
import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code huma.port=0}, as the training run has it: the webhook server listens on a port chosen at
 * start, and Camel's platform-http routes still attach to its router (PlatformHttpRouterBinding),
 * not to the management server's, which listens too.
 */
class PortChosenAtStartTest extends HumaRoutesTestSupport {

    private static final Webhook WEBHOOK = SimulatedWebhooks.question("t1", "q", "processing");

    @Override
    protected Properties extraProperties() {
        return properties("huma.port", "0");
    }

    @Test
    void theWebhooksAreServedOnThePortChosenAtStart() {
        WebhookServer server = context.getRegistry().lookupByNameAndType(WebhookServer.NAME, WebhookServer.class);
        int chosen = server.getPort();
        assertThat(chosen).isPositive().isNotEqualTo(managementPort);

        port = chosen;
        HttpResponse<String> answer = webhook(WEBHOOK);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(send(request("/").GET().build()).body()).isEqualTo("hello!");

        port = managementPort;
        assertThat(webhook(WEBHOOK).statusCode()).as("the webhook route on the management port")
                .isEqualTo(404);
    }
}
