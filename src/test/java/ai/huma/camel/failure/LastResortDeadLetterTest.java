package ai.huma.camel.failure;

import java.util.Properties;

import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/** When the dead-letter endpoint itself fails, the event is still written to the dead-letter folder. */
// one bundle per test: each test breaks the dead-letter folder
@TestInstance(TestInstance.Lifecycle.PER_METHOD)
class LastResortDeadLetterTest extends HumaRoutesTestSupport {

    @Override
    protected Properties extraProperties() {
        // a dead-letter endpoint nobody consumes: every send to it fails
        return properties("huma.dead-letter.uri", "direct:nobody-listens?block=false");
    }

    @Test
    void anEventWhoseDeadLetterCannotBeSentIsWrittenToTheFolderAnyway() throws Exception {
        HUMA.question("t1", 5);
        HUMA.fail("/v1/questions/.*", null, 404, Integer.MAX_VALUE);
        // as deep as the edge takes, with a number no re-encoding would keep: stored as it came
        String payload = "{\"question\":\"lost?\",\"question_status\":\"succeeded\",\"ticket_number\":\"t1\","
                + "\"deep\":" + "[".repeat(30) + "1.10" + "]".repeat(30) + "}";
        NotifyBuilder done = whenDone("huma-question-computed-worker", 1);

        webhook(QUESTION_PATH, payload);

        awaitDone(done);
        assertThat(deadLetterFiles()).hasSize(1);
        ObjectMapper json = new ObjectMapper();
        JsonNode record = json.readTree(deadLetterFiles().get(0).toFile());
        assertThat(record.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(record.get("payload")).isEqualTo(json.readTree(payload));
        assertThat(java.nio.file.Files.readString(deadLetterFiles().get(0))).contains(payload);
        assertThat(record.get("http_status").asInt()).as("the record the dead-letter route made").isEqualTo(404);
        assertThat(outputFiles()).isEmpty();
    }
}
