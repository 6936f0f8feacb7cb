package ai.huma.camel.observe;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.huma.camel.ask.Tickets;
import ai.huma.camel.deliver.ResultDelivery;
import ai.huma.camel.event.HumaEvent;
import ai.huma.camel.failure.DeadLetterFolder;
import ai.huma.camel.queue.EventJournal;
import ai.huma.camel.queue.QueueBroker;
import ai.huma.camel.settings.EndpointMasking;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Endpoint;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/**
 * What an operator looks at, as JSON (bean {@code humaOperatorReport}): the standalone jar's operator
 * page serves it at {@code /operator/status.json}, {@code /operator/events.json} and
 * {@code /operator/dead-letters.json} of its management port; a host can serve the same with a route
 * of its own ({@code bean:humaOperatorReport?method=statusJson}). Reading it changes nothing.
 * <ul>
 * <li>{@link #statusJson()}: ready or not and, if not, the readiness checks that say why; the depth of
 * each queue; journal, tickets and dead letters waiting;</li>
 * <li>{@link #eventsJson()}: the last outcomes of the workers ({@link RecentEvents}), the newest
 * first, their destinations masked;</li>
 * <li>{@link #deadLettersJson()}: the dead letters of {@code huma.dead-letter.dir}, the newest first
 * ({@link DeadLetterFolder}), at most {@value #DEAD_LETTERS_SHOWN}.</li>
 * </ul>
 */
public class OperatorReport implements CamelContextAware {

    /** Its name in the Camel registry. */
    public static final String NAME = "humaOperatorReport";
    /** Dead letters listed at most (the newest). */
    public static final int DEAD_LETTERS_SHOWN = 100;

    private final JsonMapper json = JsonMapper.builder().build();
    private CamelContext camelContext;
    private RecentEvents events;
    private DeadLetterFolder deadLetters;
    private Tickets tickets;
    private EventJournal journal;
    private QueueBroker broker;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    public void setEvents(RecentEvents events) {
        this.events = events;
    }

    public void setDeadLetters(DeadLetterFolder deadLetters) {
        this.deadLetters = deadLetters;
    }

    public void setTickets(Tickets tickets) {
        this.tickets = tickets;
    }

    public void setJournal(EventJournal journal) {
        this.journal = journal;
    }

    public void setBroker(QueueBroker broker) {
        this.broker = broker;
    }

    public String statusJson() throws IOException {
        return write(status());
    }

    public String eventsJson() throws JsonProcessingException {
        return write(events());
    }

    public String deadLettersJson() throws IOException {
        return write(deadLetters());
    }

    /** Readiness and why not, the queues, and what waits. */
    public Map<String, Object> status() throws IOException {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("generated_at", Instant.now().toString());
        // every readiness check ("full"; the default level folds those up into one)
        Collection<HealthCheck.Result> readiness = HealthCheckHelper.invokeReadiness(camelContext, "full");
        status.put("ready", camelContext.isStarted() && HealthCheckHelper.isResultsUp(readiness, true));
        List<Map<String, Object>> checks = new ArrayList<>();
        for (HealthCheck.Result result : readiness) {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("name", result.getCheck().getId());
            check.put("state", result.getState().name());
            if (result.getState() != HealthCheck.State.UP) {
                // why not: the check's message, its error and its details, masked as the ready line is
                check.put("message", result.getMessage().orElse(null));
                result.getError().ifPresent(error -> check.put("error", error.getClass().getSimpleName() + ": " + error.getMessage()));
                Map<String, Object> details = new LinkedHashMap<>();
                result.getDetails().forEach((key, value) -> {
                    if (!HealthCheckHelper.isReservedKey(key) && value != null) {
                        details.put(key, value instanceof Number || value instanceof Boolean ? value : EndpointMasking.mask(value.toString()));
                    }
                });
                check.put("details", details);
            }
            checks.add(check);
        }
        status.put("checks", checks);
        status.put("queue_mode", property("huma.queue.mode"));
        status.put("queues", queues());
        if (journal != null && journal.isEnabled()) {
            status.put("journal_pending", journal.getPending());
        }
        if (broker != null && broker.pendingEvents() >= 0) {
            status.put("broker_pending", broker.pendingEvents());
        }
        if (tickets != null) {
            status.put("tickets_waiting", tickets.getWaiting());
        }
        status.put("dead_letters", deadLetters == null ? null : deadLetters.newestFirst(0).total());
        status.put("events_recorded", events == null ? 0 : events.recorded());
        return status;
    }

    /** The last outcomes, the newest first. */
    public Map<String, Object> events() {
        List<Map<String, Object>> list = new ArrayList<>();
        if (events != null) {
            for (RecentEvents.Event event : events.newestFirst()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("at", Instant.ofEpochMilli(event.at()).toString());
                row.put("event", event.event());
                row.put("id", event.id());
                row.put("outcome", event.outcome().label());
                row.put("pages", event.pages() < 0 ? null : event.pages());
                row.put("records", event.records() < 0 ? null : event.records());
                row.put("files", event.files());
                row.put("destinations", destinations(event.destinations()));
                row.put("dead_letter", event.deadLetter());
                row.put("reason", event.reason());
                row.put("trace_id", event.traceId());
                list.add(row);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", list);
        body.put("recorded", events == null ? 0 : events.recorded());
        body.put("kept", RecentEvents.CAPACITY);
        return body;
    }

    /** The dead letters of the folder, the newest first. */
    public Map<String, Object> deadLetters() throws IOException {
        DeadLetterFolder.Listing listing = deadLetters == null ? new DeadLetterFolder.Listing(List.of(), 0)
                : deadLetters.newestFirst(DEAD_LETTERS_SHOWN);
        List<Map<String, Object>> list = new ArrayList<>();
        for (DeadLetterFolder.Entry entry : listing.entries()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", entry.name());
            row.put("event", entry.event());
            row.put("id", entry.id());
            row.put("reason", entry.reason());
            row.put("http_status", entry.httpStatus());
            row.put("attempts", entry.attempts());
            row.put("received_at", entry.receivedAt());
            row.put("failed_at", entry.failedAt());
            row.put("replays", entry.replays());
            row.put("size", entry.size());
            list.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("dead_letters", list);
        body.put("total", listing.total());
        body.put("shown", list.size());
        return body;
    }

    private List<Map<String, Object>> queues() {
        List<Map<String, Object>> queues = new ArrayList<>();
        for (HumaEvent event : HumaEvent.values()) {
            String uri = property(event.queueSetting());
            Endpoint endpoint = uri == null ? null : camelContext.hasEndpoint(uri);
            Map<String, Object> queue = new LinkedHashMap<>();
            queue.put("queue", event.key());
            queue.put("event", event.eventName());
            if (endpoint instanceof SedaEndpoint seda) {
                queue.put("depth", seda.getCurrentQueueSize());
                queue.put("capacity", seda.getSize());
            } else {
                // a broker's or Kafka's queue: its depth is the broker's (broker_pending) or the consumer lag
                queue.put("depth", null);
                queue.put("capacity", null);
            }
            queues.add(queue);
        }
        return queues;
    }

    private static List<String> destinations(String uris) {
        if (uris == null || uris.isBlank()) {
            return List.of();
        }
        return ResultDelivery.split(uris).stream().map(EndpointMasking::mask).toList();
    }

    private String property(String key) {
        return camelContext.getPropertiesComponent().resolveProperty(key).orElse(null);
    }

    private String write(Object value) throws JsonProcessingException {
        return json.writeValueAsString(value);
    }
}
