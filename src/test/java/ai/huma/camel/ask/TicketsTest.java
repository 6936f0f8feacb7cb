package ai.huma.camel.ask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import ai.huma.camel.fetch.BadHumaPayloadException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ticket records on disk: what a replayed record may hold, and what a restart reads back. */
class TicketsTest {

    private static final String TICKET = "65a1b2c3d4e5f60718293a4b";

    @TempDir
    Path dir;

    @Test
    void aReplayedRecordWithAnIdThatIsNotPlainIsRefusedAndNothingIsWritten() {
        Tickets tickets = tickets();
        for (String field : new String[] {"ticket_number", "conversion_id", "subscribed_id"}) {
            Map<String, Object> record = new java.util.HashMap<>(Map.of("ticket_number", TICKET, "question", "q"));
            record.put(field, "../../etc/passwd");
            AskRequest replayed = new AskRequests().parse(json(record));

            assertThatThrownBy(() -> tickets.resume(replayed)).as(field)
                    .isInstanceOf(BadHumaPayloadException.class).hasMessageContaining(field);
        }
        assertThat(dir.resolve("tickets")).doesNotExist();
    }

    @Test
    void aRestartReadsTheOpenTicketsBackAndLeavesAnUnreadableRecordAlone() throws Exception {
        tickets().asked(new AskRequests().parse("{\"question\": \"q\", \"subscribe\": true}"), Map.of("ticket_number", TICKET));
        Files.writeString(dir.resolve("tickets").resolve("broken.json"), "{not json");

        Tickets restarted = tickets();

        assertThat(restarted.getWaiting()).isEqualTo(1);
        assertThat(restarted.ticket(TICKET).isSubscriptionPending()).isTrue();
        assertThat(dir.resolve("tickets").resolve("broken.json")).exists();
    }

    private Tickets tickets() {
        Tickets tickets = new Tickets();
        tickets.setDir(dir.resolve("tickets").toString());
        return tickets;
    }

    private static String json(Map<String, Object> map) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(map);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
