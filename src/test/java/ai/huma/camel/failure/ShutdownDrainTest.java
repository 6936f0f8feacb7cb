package ai.huma.camel.failure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import ai.huma.camel.simulator.SimulatedWebhooks;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.event.ExchangeFailedEvent;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dead letters the shutdown drain writes itself, for a worker's event that failed outside the
 * error handler (a forced stop rejects the rest of its route): the payload as it came, and never a
 * second record of an event whose dead letter was written already. Both went wrong under load
 * (GracefulShutdownTest): a record whose payload was the parsed body, or a whole earlier record.
 */
class ShutdownDrainTest {

    private static final String PAYLOAD = SimulatedWebhooks.question("short3", "short 3").body();

    @TempDir
    Path deadLetters;

    private CamelContext context;
    private ShutdownDrain drain;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void start() {
        context = new DefaultCamelContext();
        context.start();
        drain = new ShutdownDrain();
        drain.setCamelContext(context);
        drain.setDeadLetterDir(deadLetters.toString());
    }

    @AfterEach
    void stop() throws Exception {
        context.close();
    }

    @Test
    void aWorkerCutShortWritesThePayloadAsItCameNotTheParsedBody() throws Exception {
        Exchange exchange = failedInTheWorker();
        Map<String, Object> parsed = new LinkedHashMap<>();
        parsed.put("question", "short 3");
        parsed.put("ticket_number", "short3");
        exchange.getMessage().setBody(parsed);

        drain.notify(new ExchangeFailedEvent(exchange));

        List<Path> written = files();
        assertThat(written).hasSize(1);
        JsonNode record = json.readTree(written.get(0).toFile());
        assertThat(record.get("payload")).isEqualTo(json.readTree(PAYLOAD));
        assertThat(record.get("event").asText()).isEqualTo("Questions/Computed");
        assertThat(record.get("reason").asText()).contains("RejectedExecutionException");
        assertThat(written.get(0).getFileName().toString()).contains("-questions-computed-");
    }

    @Test
    void anEventWhoseDeadLetterIsWrittenAlreadyIsNotWrittenAgain() throws Exception {
        Exchange exchange = failedInTheWorker();
        // the dead-letter route had made the record its body, written it, then the stop rejected its next step
        exchange.getMessage().setBody("{\"event\":\"Questions/Computed\",\"payload\":" + PAYLOAD + "}");
        exchange.setProperty(DeadLetters.WRITTEN_PROPERTY, "20261205T081853.401Z-questions-computed-X.json");

        drain.notify(new ExchangeFailedEvent(exchange));

        assertThat(files()).isEmpty();
    }

    private Exchange failedInTheWorker() {
        Exchange exchange = new DefaultExchange(context);
        exchange.getExchangeExtension().setFromRouteId("huma-question-computed-worker");
        exchange.setProperty("humaEvent", "Questions/Computed");
        exchange.setProperty(DeadLetters.PAYLOAD_PROPERTY, PAYLOAD);
        exchange.setException(new java.util.concurrent.RejectedExecutionException(
                "Run not allowed as ShutdownStrategy is forcing shutting down"));
        return exchange;
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> files = Files.list(deadLetters)) {
            return files.filter(file -> !file.getFileName().toString().startsWith(".")).toList();
        }
    }
}
