package ai.huma.camel.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Downloads of visual files: bounded in size and time, cut ones retried and counted right, client
 * errors not retried, hosts outside huma.download.allowed-hosts never fetched.
 */
class DownloadLimitsTest extends HumaRoutesTestSupport {

    private static final int MAX_DOWNLOAD = 2 * 1024 * 1024;
    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties(
                "huma.download.max-size", Integer.toString(MAX_DOWNLOAD),
                "huma.download.timeout", "1000",
                "huma.download.allowed-hosts", "127.0.0.1, files.huma.test",
                "huma.retry.initial-delay", "20",
                "huma.retry.max-redeliveries", "1");
    }

    @Test
    void anEndlessDownloadStopsAtItsSizeAndIsNotRetried() throws Exception {
        HUMA.endlessVisual("v1", "pdf");

        webhook(SimulatedWebhooks.history("v1"));

        JsonNode record = awaitDeadLetter();
        assertThat(record.get("reason").asText()).contains("huma.download.max-size (" + MAX_DOWNLOAD + " bytes)");
        assertThat(downloads()).as("not retried").hasSize(1);
        assertThat(HUMA.bytesStreamed()).isLessThan(32L * 1024 * 1024);
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void aDownloadOverItsSizeIsRefusedBeforeItIsRead() throws Exception {
        HUMA.largeVisual("v1", "pdf", 64L * 1024 * 1024);

        webhook(SimulatedWebhooks.history("v1"));

        JsonNode record = awaitDeadLetter();
        assertThat(record.get("reason").asText()).contains("huma.download.max-size");
        assertThat(HUMA.bytesStreamed()).as("the Content-Length said it all").isLessThan(32L * 1024 * 1024);
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void aTricklingDownloadIsCutOffAtItsTimeOut() throws Exception {
        HUMA.visual("v1", "pdf", new byte[2000]);
        HUMA.trickle("/files/.*", Duration.ofMillis(50), Integer.MAX_VALUE);

        webhook(SimulatedWebhooks.history("v1"));

        JsonNode record = awaitDeadLetter();
        assertThat(record.get("reason").asText()).contains("huma.download.timeout (1000 ms)");
        assertThat(record.get("attempts").asInt()).isEqualTo(2);
        assertThat(downloads()).hasSize(2);
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void aDownloadCutMidStreamCountsEveryAttempt() throws Exception {
        HUMA.visual("v1", "pdf", new byte[100_000]);
        HUMA.cutMidStream("/files/.*", Integer.MAX_VALUE);

        webhook(SimulatedWebhooks.history("v1"));

        JsonNode record = awaitDeadLetter();
        assertThat(downloads()).hasSize(2);
        assertThat(record.get("attempts").asInt()).as("attempts of the download").isEqualTo(2);
        assertThat(outputFiles()).isEmpty();
    }

    @Test
    void aDownloadCutOnceIsRetriedAndComplete() throws Exception {
        byte[] pdf = new byte[100_000];
        for (int i = 0; i < pdf.length; i++) {
            pdf[i] = (byte) i;
        }
        HUMA.visual("v1", "pdf", pdf);
        HUMA.cutMidStream("/files/.*", 1);

        webhook(SimulatedWebhooks.history("v1"));

        assertThat(Files.readAllBytes(awaitOutput("v1.pdf"))).isEqualTo(pdf);
        awaitOutput("v1_result.json");
        assertThat(downloads()).hasSize(2);
    }

    @Test
    void aClientErrorOfTheFileStoreIsNotRetried() throws Exception {
        HUMA.visual("v1", "pdf", new byte[10]);
        HUMA.fail("/files/.*", null, 404, Integer.MAX_VALUE);

        webhook(SimulatedWebhooks.history("v1"));

        JsonNode record = awaitDeadLetter();
        assertThat(record.get("http_status").asInt()).isEqualTo(404);
        assertThat(downloads()).hasSize(1);
    }

    @Test
    void aHostOutsideTheAllowListIsNeverFetched() throws Exception {
        HUMA.visualAt("v1", "pdf", "http://localhost:" + HUMA.port() + "/files/v1.pdf");
        HUMA.visualAt("v2", "pdf", "http://169.254.169.254/latest/meta-data/");

        webhook(SimulatedWebhooks.history("v1"));
        webhook(SimulatedWebhooks.history("v2"));

        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetterFiles().size() == 2);
        for (Path file : deadLetterFiles()) {
            assertThat(json.readTree(file.toFile()).get("reason").asText()).contains("not in huma.download.allowed-hosts");
        }
        assertThat(downloads()).isEmpty();
        assertThat(HUMA.apiRequests()).hasSize(2);
    }

    private List<HumaSimulator.Request> downloads() {
        return HUMA.requests().stream().filter(r -> r.path().startsWith("/files/")).toList();
    }

    private JsonNode awaitDeadLetter() {
        await().atMost(Duration.ofSeconds(20)).until(() -> !deadLetterFiles().isEmpty());
        try {
            return json.readTree(deadLetterFiles().get(0).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
