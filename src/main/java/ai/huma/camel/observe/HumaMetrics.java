package ai.huma.camel.observe;


import java.util.Map;
import java.util.concurrent.TimeUnit;

import ai.huma.camel.RegisteredBean;
import ai.huma.camel.ask.Tickets;
import ai.huma.camel.event.HumaEvent;
import ai.huma.camel.queue.EventJournal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Endpoint;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.component.seda.SedaEndpoint;

/**
 * The bundle's own metrics, in the host's Micrometer registry: Spring Boot's (served at
 * {@code /actuator/prometheus} with micrometer-registry-prometheus), Camel's (camel-micrometer, as
 * the standalone jar serves it in Prometheus format at {@code /observe/metrics} on its management
 * port), or, without either, Micrometer's global registry, to which a host can add its own. Names follow Micrometer's conventions (dots, base units), which the
 * Prometheus registry writes as {@code huma_webhooks_total}, {@code huma_api_calls_seconds_count}:
 * <ul>
 * <li>{@code huma.webhooks{event, status}}: webhook requests answered, by HTTP status (200 accepted;
 * 400, 401, 403, 413, 503 refused; counted by the edge's routes, and by the standalone jar's server
 * for what it answers itself: 405, 413, 503 while starting);</li>
 * <li>{@code huma.events.duplicates}, {@code huma.events.completed}, {@code huma.events.dead.letters},
 * {@code huma.events.replays} {@code {event}};</li>
 * <li>{@code huma.api.calls{kind=api|download, outcome=<status>|timeout|too_large|error}}: a timer
 * of every HTTP call to Huma and to its file store;</li>
 * <li>{@code huma.api.pages}: pages fetched;</li>
 * <li>{@code huma.queue.depth{queue}}: events waiting in each queue.</li>
 * <li>{@code huma.journal.pending}: in journal mode, accepted events recorded and not yet finished.</li>
 * <li>{@code huma.requests.submitted}, {@code huma.requests.reconciled{event}}, {@code huma.requests.given.up}:
 * asking Huma (routes/huma-ask.camel.yaml); {@code huma.requests.waiting}: tickets still waiting.</li>
 * </ul>
 * The registry is looked up when first needed, by type in the Camel registry (which sees a Spring
 * host's beans): the one there is, or of several the composite one (Spring Boot's, when it has more
 * than one), or Camel's ({@value #CAMEL_REGISTRY_NAME}). Camel makes its own while the CamelContext
 * starts, so until then the figures wait in a local registry.
 */
public class HumaMetrics implements CamelContextAware {

    /** The counters made so far, by name and tags: looked up once, not on every webhook. */
    private final java.util.Map<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

    /** The name under which camel-micrometer keeps its registry (MicrometerConstants.METRICS_REGISTRY_NAME). */
    private static final String CAMEL_REGISTRY_NAME = "metricsRegistry";

    private CamelContext camelContext;
    private volatile MeterRegistry registry;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** Once the CamelContext has started (and Camel's registry exists), the queue gauges are bound. */
    public void init() throws Exception {
        // Camel's registry of meters is complete only once every route runs
        RegisteredBean.whenFullyStarted(camelContext, "humaMetrics", this, context -> registry());
    }

    /** A webhook request answered with this status by the server itself, when its path is one of the webhooks. */
    public void answered(String path, int status) {
        HumaEvent event = HumaEvent.ofPath(path);
        if (event != null) {
            answeredEvent(event.eventName(), status);
        }
    }

    /** A webhook of this event answered with this status (by the edge's routes). */
    public void answeredEvent(String event, int status) {
        if (event != null) {
            counters.computeIfAbsent("huma.webhooks " + event + " " + status, key -> Counter.builder("huma.webhooks")
                    .description("Webhook requests answered, by status")
                    .tag("event", event).tag("status", Integer.toString(status))
                    .register(registry())).increment();
        }
    }

    public void duplicate(@ExchangeProperty("humaEvent") String event) {
        count("huma.events.duplicates", "Deliveries dropped as repeats of one already worked", event);
    }

    public void completed(@ExchangeProperty("humaEvent") String event) {
        count("huma.events.completed", "Events worked to their end", event);
    }

    public void deadLettered(@ExchangeProperty("humaEvent") String event) {
        count("huma.events.dead.letters", "Events written as dead letters", event);
    }

    public void replayed(@ExchangeProperty("humaEvent") String event) {
        count("huma.events.replays", "Dead letters replayed", event);
    }

    /** A request asked of Huma and accepted (huma-ask). */
    public void submitted() {
        count("huma.requests.submitted", "Requests asked of Huma and accepted", "Questions/Ask");
    }

    /** A ticket or visual with no webhook, found done by its status call and queued for its worker. */
    public void reconciled(String event) {
        count("huma.requests.reconciled", "Tickets and visuals with no webhook, fetched by the reconciliation", event);
    }

    /** A ticket given up (huma.reconcile.give-up): a dead letter. */
    public void givenUp() {
        count("huma.requests.given.up", "Tickets given up with neither webhook nor a finished status", "Questions/Ask");
    }

    public void pageFetched() {
        Counter.builder("huma.api.pages").description("Pages of answers fetched from Huma").register(registry()).increment();
    }

    /** One HTTP call (kind api or download) and how it ended. */
    public void call(String kind, String outcome, long nanos) {
        Timer.builder("huma.api.calls").description("HTTP calls to the Huma API and its file store")
                .tag("kind", kind).tag("outcome", outcome)
                .register(registry()).record(nanos, TimeUnit.NANOSECONDS);
    }

    private void count(String name, String description, String event) {
        String tag = event == null ? "unknown" : event;
        counters.computeIfAbsent(name + " " + tag, key -> Counter.builder(name).description(description).tag("event", tag)
                .register(registry())).increment();
    }

    MeterRegistry registry() {
        MeterRegistry found = registry;
        if (found != null) {
            return found;
        }
        synchronized (this) {
            if (registry == null) {
                MeterRegistry host = camelContext == null ? null : hostRegistry(camelContext);
                if (host == null && camelContext != null && !camelContext.isStarted()) {
                    // Camel has not made its registry yet: count locally for now, ask again later
                    return new SimpleMeterRegistry();
                }
                registry = host != null ? host : Metrics.globalRegistry;
                bindQueueGauges(registry);
            }
            return registry;
        }
    }

    /** The registry the host serves: the only one, the composite of several, or Camel's. */
    static MeterRegistry hostRegistry(CamelContext context) {
        java.util.Set<MeterRegistry> all = context.getRegistry().findByType(MeterRegistry.class);
        if (all.isEmpty()) {
            return null;
        }
        if (all.size() == 1) {
            return all.iterator().next();
        }
        MeterRegistry camels = context.getRegistry().lookupByNameAndType(CAMEL_REGISTRY_NAME, MeterRegistry.class);
        return all.stream().filter(CompositeMeterRegistry.class::isInstance).findFirst()
                .orElse(camels != null ? camels : all.iterator().next());
    }

    /** The depth of each event's in-memory queue (huma.queue.<event>.uri), when it is one. */
    private void bindQueueGauges(MeterRegistry meters) {
        for (HumaEvent event : HumaEvent.values()) {
            String uri = camelContext.getPropertiesComponent().resolveProperty(event.queueSetting()).orElse(null);
            if (uri == null) {
                continue;
            }
            Endpoint endpoint = camelContext.hasEndpoint(uri);
            if (endpoint == null) {
                endpoint = camelContext.getEndpoint(uri);
            }
            if (endpoint instanceof SedaEndpoint seda) {
                Gauge.builder("huma.queue.depth", seda, SedaEndpoint::getCurrentQueueSize)
                        .description("Events waiting in the queue for their worker").tag("queue", event.key())
                        .register(meters);
            }
        }
        Tickets tickets = camelContext.getRegistry().lookupByNameAndType(Tickets.NAME, Tickets.class);
        if (tickets != null) {
            Gauge.builder("huma.requests.waiting", tickets, Tickets::getWaiting)
                    .description("Tickets asked of Huma still waiting for their answer or visual").register(meters);
        }
        EventJournal journal = camelContext.getRegistry().lookupByNameAndType(EventJournal.NAME, EventJournal.class);
        if (journal != null && journal.isEnabled()) {
            Gauge.builder("huma.journal.pending", journal, EventJournal::getPending)
                    .description("Accepted events recorded in the journal that their worker has not finished").register(meters);
        }
    }
}
