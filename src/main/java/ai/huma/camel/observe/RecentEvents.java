package ai.huma.camel.observe;

import java.util.ArrayList;
import java.util.List;

import ai.huma.camel.deliver.ResultDelivery;
import ai.huma.camel.event.HumaEvent;
import ai.huma.camel.fetch.BatchPages;
import ai.huma.camel.fetch.PageCursor;
import org.apache.camel.Exchange;
import org.slf4j.MDC;

/**
 * The last outcomes of the workers, in memory (bean {@code humaRecentEvents}): a ring of the last
 * {@value #CAPACITY}, for the operator page and its JSON ({@link OperatorReport}). The routes call it
 * where an event ends, next to {@code humaMetrics}: a result, a question with nothing to fetch, a
 * duplicate, a dead letter. Recording copies a few values out of the exchange and formats nothing:
 * no I/O, no lock, no text built; the destinations are masked when they are read, not here.
 * A restart starts it empty (the dead letters themselves are files: {@code DeadLetterFolder}).
 */
public class RecentEvents {

    /** Its name in the Camel registry. */
    public static final String NAME = "humaRecentEvents";
    /** How many outcomes are kept. */
    public static final int CAPACITY = 200;

    /**
     * Where a trace id may be: the jar's exchange property (Traces), else Camel's telemetry headers
     * (traceHeadersInclusion), else the MDC.
     */
    private static final String TRACE_HEADER = "CAMEL_TRACE_ID";
    private static final String[] TRACE_MDC_KEYS = {"trace_id", "traceId"};

    /** How an event ended. */
    public enum Outcome {
        RESULT("result"),
        NOTHING_TO_FETCH("nothing to fetch"),
        DUPLICATE("duplicate"),
        DEAD_LETTER("dead letter");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        /** As the page and the JSON show it. */
        public String label() {
            return label;
        }
    }

    /**
     * One outcome, as recorded: when (epoch ms), which event and id, how it ended; for a result the
     * pages and records fetched (-1: not paged), its files and the destinations as configured (raw:
     * mask before showing); for a dead letter its file and reason; the trace id when there was one.
     */
    public record Event(long at, String event, String id, Outcome outcome, int pages, long records,
            List<String> files, String destinations, String deadLetter, String reason, String traceId) {
    }

    // one lock for the ring and its count (an event's end takes it once; a reader sees no slot
    // that is counted but not yet written)
    private final Event[] ring = new Event[CAPACITY];
    private long recorded;

    /** An event worked to its end with a result delivered. */
    public void result(Exchange exchange) {
        PageCursor pages = exchange.getProperty(BatchPages.CURSOR_PROPERTY, PageCursor.class);
        add(new Event(System.currentTimeMillis(), event(exchange), id(exchange), Outcome.RESULT,
                pages == null ? -1 : pages.getPagesFetched(), pages == null ? -1 : pages.getRecordCount(),
                fileNames(exchange), exchange.getProperty("humaOutputUris", String.class), null, null, traceId(exchange)));
    }

    /** A question Huma did not compute (rejected, or a status the bundle does not know): nothing fetched. */
    public void nothingToFetch(Exchange exchange) {
        add(new Event(System.currentTimeMillis(), event(exchange), id(exchange), Outcome.NOTHING_TO_FETCH,
                -1, -1, List.of(), null, null, exchange.getProperty("humaQuestionStatus", String.class), traceId(exchange)));
    }

    /** A delivery dropped as a repeat of one already worked. */
    public void duplicate(Exchange exchange) {
        add(new Event(System.currentTimeMillis(), event(exchange), id(exchange), Outcome.DUPLICATE,
                -1, -1, List.of(), null, null, null, traceId(exchange)));
    }

    /** An event written as a dead letter (huma-dead-letter, once the record is written or given up). */
    public void deadLetter(Exchange exchange) {
        add(new Event(System.currentTimeMillis(), event(exchange), id(exchange), Outcome.DEAD_LETTER,
                -1, -1, List.of(), null, exchange.getProperty("humaDeadLetterName", String.class),
                exchange.getProperty("humaFailure", String.class), traceId(exchange)));
    }

    /** The outcomes kept, the newest first. */
    public synchronized List<Event> newestFirst() {
        long last = recorded;
        List<Event> events = new ArrayList<>(CAPACITY);
        for (long n = last - 1; n >= 0 && n >= last - CAPACITY; n--) {
            Event event = ring[(int) (n % CAPACITY)];
            if (event != null) {
                events.add(event);
            }
        }
        return events;
    }

    /** Outcomes recorded since start, including those the ring no longer holds. */
    public synchronized long recorded() {
        return recorded;
    }

    private synchronized void add(Event event) {
        ring[(int) (recorded % CAPACITY)] = event;
        recorded++;
    }

    private static String event(Exchange exchange) {
        String event = exchange.getProperty(HumaEvent.PROPERTY, String.class);
        return event != null ? event : exchange.getMessage().getHeader(HumaEvent.NAME_HEADER, String.class);
    }

    private static String id(Exchange exchange) {
        return exchange.getProperty("humaResultId", String.class);
    }

    private static List<String> fileNames(Exchange exchange) {
        List<?> files = exchange.getProperty(ResultDelivery.FILES, List.class);
        if (files == null || files.isEmpty()) {
            return List.of();
        }
        // the names only: a file's content must not stay in memory with the ring
        List<String> names = new ArrayList<>(files.size());
        for (Object file : files) {
            if (file instanceof ResultDelivery.ResultFile result) {
                names.add(result.name());
            }
        }
        return names;
    }

    private static String traceId(Exchange exchange) {
        String property = exchange.getProperty(Traces.TRACE_ID_PROPERTY, String.class);
        if (property != null && !property.isBlank()) {
            return property;
        }
        String header = exchange.getMessage().getHeader(TRACE_HEADER, String.class);
        if (header != null && !header.isBlank()) {
            return header;
        }
        for (String key : TRACE_MDC_KEYS) {
            String value = MDC.get(key);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
