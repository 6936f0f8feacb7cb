package ai.huma.camel.failure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What is retried and how often: one attempt is one call to Huma (the HTTP client does not retry on
 * its own), a Retry-After is capped at huma.retry.max-delay, and a 4xx ends the retries whatever
 * failed before it.
 */
class RetryRulesTest extends HumaRoutesTestSupport {

    private static final String RESULT_PATH = "/v1/questions/.*/result";
    private static final long MAX_DELAY = 400;
    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.retry.initial-delay", "20",
                "huma.retry.max-delay", Long.toString(MAX_DELAY),
                "huma.retry.max-redeliveries", "3");
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 503})
    void aBusyHumaGetsOneCallPerAttemptAndALongRetryAfterIsCapped(int status) throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail(RESULT_PATH, null, status, Integer.MAX_VALUE, Map.of("Retry-After", "3600"));

        webhook(SimulatedWebhooks.question("t1", "busy"));

        // an hour-long Retry-After waited in full would never get here
        JsonNode record = awaitDeadLetter();
        assertThat(record.get("http_status").asInt()).isEqualTo(status);
        assertThat(record.get("attempts").asInt()).isEqualTo(4);
        List<HumaSimulator.Request> calls = HUMA.apiRequests();
        assertThat(calls).as("1 call and 3 retries, none doubled by the HTTP client").hasSize(4);
        for (int i = 1; i < calls.size(); i++) {
            Duration gap = Duration.ofNanos(calls.get(i).receivedNanos() - calls.get(i - 1).receivedNanos());
            // the capped Retry-After, rather than the 20 ms back-off, and not an hour (the limit is the
            // promise, huma.retry.max-delay; the margin is for a busy machine)
            assertThat(gap).isBetween(Duration.ofMillis(MAX_DELAY - 50), Duration.ofMillis(MAX_DELAY * 5));
        }
    }

    @Test
    void aRetryAfterUnderTheCapIsWaitedAsGiven() throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail(RESULT_PATH, null, 503, 1, Map.of("Retry-After", "0"));

        webhook(SimulatedWebhooks.question("t1", "busy once"));

        awaitOutput("busy_once_result.json");
        assertThat(HUMA.apiRequests()).hasSize(2);
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 404})
    void aClientErrorAfterATransientFailureEndsTheRetries(int clientError) throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail(RESULT_PATH, null, 500, 1);
        HUMA.fail(RESULT_PATH, null, clientError, Integer.MAX_VALUE);

        webhook(SimulatedWebhooks.question("t1", "then refused"));

        JsonNode record = awaitDeadLetter();
        assertThat(record.get("http_status").asInt()).as("the status that ended it").isEqualTo(clientError);
        assertThat(record.get("attempts").asInt()).isEqualTo(2);
        assertThat(HUMA.apiRequests()).as("one 500, one " + clientError + ", no more").hasSize(2);
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void aTimeOutAfterATransientFailureIsStillRetried() throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail(RESULT_PATH, null, 502, 1);
        HUMA.fail(RESULT_PATH, null, 503, 1);

        webhook(SimulatedWebhooks.question("t1", "two blips"));

        awaitOutput("two_blips_result.json");
        assertThat(HUMA.apiRequests()).hasSize(3);
    }

    @Test
    void aRedirectIsNotFollowedNorRetried() throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail(RESULT_PATH, null, 302, Integer.MAX_VALUE, Map.of("Location", "http://127.0.0.1:9/elsewhere"));

        webhook(SimulatedWebhooks.question("t1", "moved"));

        JsonNode record = awaitDeadLetter();
        assertThat(record.get("http_status").asInt()).isEqualTo(302);
        assertThat(HUMA.apiRequests()).hasSize(1);
    }

    private JsonNode awaitDeadLetter() {
        await().atMost(Duration.ofSeconds(15)).until(() -> !deadLetterFiles().isEmpty());
        Path file = deadLetterFiles().get(0);
        try {
            return json.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
