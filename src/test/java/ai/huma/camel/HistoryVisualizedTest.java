package ai.huma.camel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Random;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HistoryVisualizedTest extends HumaRoutesTestSupport {

    private static final String CONVERSION_ID = "6702b3c4d5e6f708192a3b4c";
    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected java.util.Properties extraProperties() {
        // a destination that fails is retried: quickly here
        return properties("huma.retry.initial-delay", "20", "huma.retry.max-redeliveries", "1");
    }

    @Test
    void visualResultAndItsFileAreWritten() throws Exception {
        byte[] pdf = new byte[300_000]; // above the 128 KiB stream-cache spool threshold
        new Random(7).nextBytes(pdf);
        HUMA.visual(CONVERSION_ID, "pdf", pdf);

        var response = webhook(SimulatedWebhooks.history(CONVERSION_ID).with("status", "succeeded"));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode result = json.readTree(awaitOutput(CONVERSION_ID + "_result.json").toFile());
        assertThat(result.get("file_type").asText()).isEqualTo("pdf");
        assertThat(result.get("download_url").asText()).startsWith(HUMA.baseUrl() + "/files/");
        assertThat(Files.readAllBytes(outputDir.resolve(CONVERSION_ID + ".pdf"))).isEqualTo(pdf);
        assertThat(outputFiles()).containsExactlyInAnyOrder(CONVERSION_ID + "_result.json", CONVERSION_ID + ".pdf");

        HumaSimulator.Request download = HUMA.requests().stream().filter(r -> r.path().startsWith("/files/")).findFirst().orElseThrow();
        assertThat(download.authorization()).as("the API key is not sent to the file store").isNull();
        assertThat(download.query()).containsEntry("signature", "a/b");
        assertThat(HUMA.apiRequests()).extracting(HumaSimulator.Request::path)
                .containsExactly("/v1/histories/" + CONVERSION_ID + "/visual/result");
    }

    @Test
    void csvAndPptxVisualsKeepTheirType() throws Exception {
        HUMA.visual("c1", "csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8));
        HUMA.visual("c2", "PPTX", new byte[] {1, 2, 3});

        webhook(SimulatedWebhooks.history("c1"));
        webhook(SimulatedWebhooks.history("c2"));

        assertThat(Files.readString(awaitOutput("c1.csv"))).isEqualTo("a,b\n1,2\n");
        assertThat(Files.readAllBytes(awaitOutput("c2.pptx"))).containsExactly(1, 2, 3);
        awaitOutput("c1_result.json");
        awaitOutput("c2_result.json");
    }

    @Test
    void aFailedDownloadWritesNothing() throws Exception {
        HUMA.visual(CONVERSION_ID, "pdf", new byte[] {1});
        HUMA.fail("/files/.*", null, 403, 1);
        NotifyBuilder done = whenDone("huma-history-visualized-worker", 1);

        webhook(SimulatedWebhooks.history(CONVERSION_ID));

        awaitDone(done);
        assertThat(outputFiles()).isEmpty();

        // the reason names the link without its query: a signed link's signature is in no log line,
        // span or page (the dead letter's payload keeps the link whole, for the replay)
        JsonNode deadLetter = json.readTree(deadLetterFiles().get(0).toFile());
        assertThat(deadLetter.get("http_status").asInt()).isEqualTo(403);
        assertThat(deadLetter.get("reason").asText()).contains(HUMA.baseUrl() + "/files/" + CONVERSION_ID + ".pdf with statusCode: 403")
                .doesNotContain("signature").doesNotContain("?");
        JsonNode events = json.readTree(send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + managementPort + "/operator/events.json")).build()).body());
        assertThat(events.get("events").get(0).get("reason").asText()).contains("statusCode: 403").doesNotContain("signature");
    }

    @Test
    void aVisualIsNotLeftAloneWhenItsResultCannotBeWritten() throws Exception {
        HUMA.visual(CONVERSION_ID, "pdf", new byte[] {1, 2});
        // a folder where the result file should go: writing the result fails
        Files.createDirectories(outputDir.resolve(CONVERSION_ID + "_result.json").resolve("occupied"));
        NotifyBuilder done = whenDone("huma-history-visualized-worker", 1);

        webhook(SimulatedWebhooks.history(CONVERSION_ID));

        awaitDone(done);
        assertThat(deadLetterFiles()).hasSize(1);
        assertThat(outputFiles()).containsExactly(CONVERSION_ID + "_result.json");
        assertThat(outputDir.resolve(CONVERSION_ID + ".pdf")).doesNotExist();
    }

    @Test
    void hostileConversionIdsAndFileTypesAreRejected() {
        HUMA.visual("c3", "../../x", new byte[] {1});
        NotifyBuilder done = whenDone("huma-history-visualized-worker", 4);

        webhook(SimulatedWebhooks.history("../../etc/passwd"));
        webhook(SimulatedWebhooks.history("a\u0000b"));
        webhook(HISTORY_PATH, "{}");
        webhook(SimulatedWebhooks.history("c3"));

        awaitDone(done);
        assertThat(HUMA.requests()).extracting(HumaSimulator.Request::path).containsExactly("/v1/histories/c3/visual/result");
        assertThat(outputFiles()).isEmpty();
    }
}
