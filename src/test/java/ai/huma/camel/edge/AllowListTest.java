package ai.huma.camel.edge;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Properties;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** huma.callback.allowed-sources without the loopback: the tests' own webhooks are forbidden. */
class AllowListTest extends HumaRoutesTestSupport {

    /** A valid body whose event makes no call to Huma. */
    private static final String BODY = SimulatedWebhooks.question("abc", "q", "rejected").body();

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.callback.allowed-sources", "10.0.0.0/8, 192.0.2.1");
    }

    @Test
    void anAuthorizedWebhookFromASourceNotOnTheListIs403AndNothingIsQueued() throws Exception {
        NotifyBuilder first = whenDone("huma-question-computed-worker", 1);
        NotifyBuilder second = whenDone("huma-question-computed-worker", 2);
        ObjectMapper json = new ObjectMapper();

        for (String path : List.of(QUESTION_PATH, HISTORY_PATH, SUBSCRIPTION_PATH)) {
            HttpResponse<String> response = webhook(path, BODY);
            assertThat(response.statusCode()).as(path).isEqualTo(403);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(json.readTree(response.body())).isEqualTo(json.readTree("{\"error\":\"Forbidden\"}"));
        }
        // the source is checked first: a wrong token from there is forbidden too, not "unauthorized"
        assertThat(post(QUESTION_PATH, "Bearer wrong", "application/json", BODY).statusCode()).isEqualTo(403);

        // nothing reached the queue: one event put on the queue directly is the first the worker sees
        template.sendBody(context.resolvePropertyPlaceholders("{{huma.queue.question.uri}}"), BODY);
        awaitDone(first);
        awaitWorkersIdle();
        assertThat(second.matches()).as("a forbidden webhook reached the worker").isFalse();
        assertThat(HUMA.requests()).isEmpty();
    }
}
