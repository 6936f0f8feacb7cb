package ai.huma.camel.fetch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A call to Huma that takes longer than huma.api.timeout is given up and retried. */
class ApiTimeoutTest extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.api.timeout", "1000",
                "huma.retry.initial-delay", "50",
                "huma.pages.limit", "10");
    }

    @Test
    void aTimedOutCallIsRetried() throws Exception {
        HUMA.question("t1", 15);
        HUMA.slow("/v1/questions/.*/result", Duration.ofSeconds(4), 1);

        webhook(SimulatedWebhooks.question("t1", "slow once"));

        Path result = awaitOutput("slow_once_result.json");
        assertThat(new ObjectMapper().readTree(result.toFile()).at("/answer/data").size()).isEqualTo(15);
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::page).startsWith(1, 1).endsWith(2);
    }
}
