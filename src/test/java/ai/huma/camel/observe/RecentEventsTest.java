package ai.huma.camel.observe;

import java.util.ArrayList;
import java.util.List;

import ai.huma.camel.deliver.ResultDelivery;
import ai.huma.camel.observe.RecentEvents.Outcome;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import static org.assertj.core.api.Assertions.assertThat;

class RecentEventsTest {

    private final CamelContext context = new DefaultCamelContext();
    private final RecentEvents events = new RecentEvents();

    @AfterEach
    void closeContext() {
        context.stop();
        MDC.clear();
    }

    @Test
    void keepsTheLastOutcomesNewestFirstAndNoMore() {
        for (int i = 0; i < RecentEvents.CAPACITY + 50; i++) {
            events.duplicate(exchange("id" + i));
        }

        List<RecentEvents.Event> kept = events.newestFirst();

        assertThat(kept).hasSize(RecentEvents.CAPACITY);
        assertThat(kept.get(0).id()).isEqualTo("id" + (RecentEvents.CAPACITY + 49));
        assertThat(kept.get(kept.size() - 1).id()).isEqualTo("id50");
        assertThat(events.recorded()).isEqualTo(RecentEvents.CAPACITY + 50);
    }

    @Test
    void aResultKeepsItsFileNamesNotTheirContent() {
        Exchange exchange = exchange("t1");
        List<ResultDelivery.ResultFile> files = new ArrayList<>();
        files.add(new ResultDelivery.ResultFile("t1.pdf", new byte[1024]));
        files.add(new ResultDelivery.ResultFile("t1_result.json", "{}"));
        exchange.setProperty(ResultDelivery.FILES, files);
        exchange.setProperty("humaOutputUris", "file:output, sftp://u:secret@host/x");
        MDC.put("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");

        events.result(exchange);

        RecentEvents.Event event = events.newestFirst().get(0);
        assertThat(event.outcome()).isEqualTo(Outcome.RESULT);
        assertThat(event.event()).isEqualTo("Histories/Visualized");
        assertThat(event.files()).containsExactly("t1.pdf", "t1_result.json");
        assertThat(event.pages()).as("not paged").isEqualTo(-1);
        // raw as configured: the report masks it when it is read
        assertThat(event.destinations()).isEqualTo("file:output, sftp://u:secret@host/x");
        assertThat(event.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @Test
    void aDeadLetterKeepsItsFileAndReasonAndATraceHeaderWins() {
        Exchange exchange = exchange("t2");
        exchange.setProperty("humaDeadLetterName", "20260101T000000.000Z-histories-visualized-X.json");
        exchange.setProperty("humaFailure", "HTTP 500");
        exchange.getMessage().setHeader("CAMEL_TRACE_ID", "from-the-header");
        MDC.put("trace_id", "from-the-mdc");

        events.deadLetter(exchange);

        RecentEvents.Event event = events.newestFirst().get(0);
        assertThat(event.outcome()).isEqualTo(Outcome.DEAD_LETTER);
        assertThat(event.deadLetter()).isEqualTo("20260101T000000.000Z-histories-visualized-X.json");
        assertThat(event.reason()).isEqualTo("HTTP 500");
        assertThat(event.traceId()).isEqualTo("from-the-header");
    }

    @Test
    void withoutATraceTheTraceIdIsEmpty() {
        events.nothingToFetch(exchange("t3"));

        assertThat(events.newestFirst().get(0).traceId()).isNull();
        assertThat(events.newestFirst().get(0).outcome().label()).isEqualTo("nothing to fetch");
    }

    private Exchange exchange(String id) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty("humaEvent", "Histories/Visualized");
        exchange.setProperty("humaResultId", id);
        return exchange;
    }
}
