package ai.huma.camel.ask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import ai.huma.camel.support.HumaRoutesTestSupport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A ticket that neither a webhook nor a status call ever finds done is given up after
 * huma.reconcile.give-up: a dead letter that holds the ticket (not the request: replayed, the
 * question is not asked again), and replayed, the ticket is watched again and its answer fetched once
 * Huma has it.
 */
class AskGiveUpTest extends HumaRoutesTestSupport {

    private final ObjectMapper json = new ObjectMapper();

    @Override
    protected Properties extraProperties() {
        return properties("huma.reconcile.after", "300", "huma.reconcile.interval", "200", "huma.reconcile.give-up", "1500");
    }

    @Test
    void aTicketNeverAnsweredIsADeadLetterAndItsReplayWatchesItAgain() throws Exception {
        HUMA.callbacks("http://127.0.0.1:" + port, CALLBACK_TOKEN);
        HUMA.computeDelay(Duration.ofHours(1));
        dropInInbox("never.json", "{\"question\": \"Never answered\", \"subscribe\": true}");

        await().atMost(Duration.ofSeconds(20)).until(() -> deadLetterFiles().size() == 1);
        Path deadLetter = deadLetterFiles().get(0);
        JsonNode record = json.readTree(deadLetter.toFile());
        String ticket = record.at("/payload/ticket_number").asText();
        assertThat(record.path("event").asText()).isEqualTo("Questions/Ask");
        assertThat(record.path("reason").asText()).contains("no answer to ticket " + ticket + " after").contains("no webhook");
        assertThat(record.at("/payload/question").asText()).isEqualTo("Never answered");
        assertThat(record.at("/payload/subscribe").asBoolean()).isTrue();
        assertThat(record.at("/payload/polls").asInt()).isPositive();
        Path closed = dataDir.resolve("tickets/closed/" + ticket + ".json");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(closed));
        assertThat(json.readTree(closed.toFile()).path("outcome").asText()).isEqualTo("given up: a dead letter");
        assertThat(HUMA.apiRequests()).filteredOn(r -> r.path().equals("/v1/questions/" + ticket + "/status")).isNotEmpty();

        // Huma has it at last; the dead letter is replayed: the ticket is watched again, not asked again
        HUMA.reset();
        Files.createDirectories(dataDir.resolve("replay"));
        Files.move(deadLetter, dataDir.resolve("replay").resolve(deadLetter.getFileName()));

        awaitOutput("Never_answered_result.json");
        await().atMost(Duration.ofSeconds(10)).until(() -> json.readTree(closed.toFile()).path("outcome").asText()
                .startsWith("answered; subscribed as "));
        assertThat(HUMA.apiRequests()).noneMatch(r -> r.path().equals("/v1/questions"));
        assertThat(HUMA.apiRequests()).anyMatch(r -> r.path().equals("/v1/subscription/create"));
    }
}
