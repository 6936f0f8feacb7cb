package ai.huma.camel.ask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import ai.huma.camel.support.HumaRoutesTestSupport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One call to Huma at a time (huma.api.max-concurrent-calls = 1): a worker that fetched an answer
 * holds the one permit, and asks for the subscription and the visual under it, never waiting for a
 * second permit it would wait for forever.
 */
class AskPacingTest extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        return properties("huma.api.max-concurrent-calls", "1");
    }

    @Test
    void aWorkerThatHoldsThePermitAsksForTheRestOfItsRequestUnderIt() throws Exception {
        HUMA.callbacks("http://127.0.0.1:" + port, CALLBACK_TOKEN);
        HUMA.computeDelay(Duration.ofMillis(100));
        dropInInbox("one.json", "{\"question\": \"One at a time\", \"subscribe\": true, \"visual\": {\"file_type\": \"csv\"}}");

        awaitOutput("One_at_a_time_result.json");
        Path closed = dataDir.resolve("tickets").resolve("closed");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Files.isDirectory(closed)
                && Files.list(closed).anyMatch(f -> f.toString().endsWith(".json")));
        assertThat(HUMA.apiRequests()).anyMatch(r -> r.path().equals("/v1/subscription/create"))
                .anyMatch(r -> r.path().equals("/v1/histories/visual"));
        assertThat(HUMA.maxConcurrentRequests()).isEqualTo(1);
    }
}
