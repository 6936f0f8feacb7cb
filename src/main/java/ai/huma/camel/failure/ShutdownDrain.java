package ai.huma.camel.failure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import ai.huma.camel.RegisteredBean;
import ai.huma.camel.queue.EventJournal;
import ai.huma.camel.queue.ForgetWhenDone;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.spi.ManagementStrategy;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the routes cannot see of a shutdown, so that nothing accepted is lost on SIGTERM (memory
 * queues; in journal mode what is not finished in time stays in the journal, and durable queues keep
 * their events in the broker):
 * <ol>
 * <li>when Camel starts stopping, the edge answers new webhooks 503 (it checks the context's status;
 * a Spring Boot host closes its web server before Camel stops, so there they find the port closed),
 * and the events still queued or in flight are counted here;</li>
 * <li>the workers drain their queues (they stop with {@code shutdownRunningTask: CompleteAllTasks})
 * within {@code camel.main.shutdown-timeout};</li>
 * <li>2.5 s before that time-out, whatever is still waiting in an in-memory queue is taken out and
 * handed to the dead-letter route ({@code direct:huma-dead-letter}, which still runs: it stops last), the
 * one place that writes dead letters;</li>
 * <li>when all routes have stopped, one line says how many events ended as results or dead letters.</li>
 * </ol>
 * An event whose exchange fails outside the dead letter channel (a worker cut short by a stop that
 * rejects the rest of its route) is handed to the dead-letter route too, unless that route had written
 * its record already. It decides nothing and formats nothing itself: only when Camel refuses to run
 * the dead-letter route at all does it put the record the route would have written in the
 * dead-letter folder ({@code huma.dead-letter.dir}).
 */
public class ShutdownDrain extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDrain.class);

    /** Its name in the Camel registry. */
    public static final String NAME = "humaShutdownDrain";
    private static final String LEFT_IN_THE_QUEUE = "left in the queue when the bundle shut down";
    private static final String ROUTE_PREFIX = "huma-";
    private static final String QUEUE_PREFIX = "seda://huma-";
    /** Hand the leftovers to the dead-letter route this long before the shutdown time-out. */
    private static final long HAND_BACK_MARGIN_MILLIS = 2500;

    private Path deadLetterDir = Path.of("data", "dead-letter");
    private final DeadLetters deadLetters = new DeadLetters();
    /** The queues as they were when stopping began: Camel drops its reference when a route stops. */
    private final List<BlockingQueue<Exchange>> queuesAtStop = new CopyOnWriteArrayList<>();
    private final AtomicInteger handedBack = new AtomicInteger();
    private final AtomicInteger lastResort = new AtomicInteger();
    private volatile boolean draining;
    private volatile int pendingAtStop;
    private ScheduledExecutorService timer;
    private EventJournal journal;
    private String queueMode = "";

    /**
     * Of the exchange events only the failed ones: Camel then builds no event object for every other
     * step of every exchange (created, sending, sent, completed) only to ask whether it is wanted.
     */
    public ShutdownDrain() {
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeSentEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreServiceEvents(true);
    }

    /**
     * True while the bundle shuts down: the edge then answers 503 (Huma tries again later), and on a
     * broker the dead-letter route leaves a failed event in the queue for after the restart.
     */
    public boolean isStopping(Exchange exchange) {
        return exchange.getContext().isStopping();
    }

    /**
     * huma.queue.mode: on a broker (durable, broker) an event a stop cuts short stays in its queue,
     * redelivered after the restart, so it must not also become a dead letter.
     */
    public void setQueueMode(String queueMode) {
        this.queueMode = queueMode == null ? "" : queueMode.strip();
    }

    private boolean brokerKeepsIt() {
        return queueMode.equals("durable") || queueMode.equals("broker");
    }

    /** The journal of journal mode: what a stop leaves unfinished stays there instead of becoming dead letters. */
    public void setJournal(EventJournal journal) {
        this.journal = journal;
    }

    /**
     * The dead-letter folder (huma.dead-letter.dir): when even the endpoint refuses a record (a
     * forced stop refuses new work), it is written there directly.
     */
    public void setDeadLetterDir(String deadLetterDir) {
        this.deadLetterDir = Path.of(deadLetterDir);
    }

    /**
     * The bean's init method: it joins the context's event notifiers when the context starts, in any
     * host (Camel Main adds the event notifiers it finds among its beans; Camel Spring Boot looks for
     * them before the YAML beans are made). Only the instance in the registry joins: Camel Main makes
     * every YAML bean twice. When the route files come from a folder (a home's routes/, a host's
     * routesIncludePattern), Camel Main adds the first of the two, made by its pre-parse, before the
     * second replaces it in the registry: that one leaves, or a stop would be reported twice, the
     * second time from a journal never read ("none left"), and an event failing outside the dead letter
     * channel would be written as two dead letters.
     */
    public void joinEventNotifiers() throws Exception {
        RegisteredBean.whenStarting(getCamelContext(), NAME, this, context -> {
            ManagementStrategy management = context.getManagementStrategy();
            for (EventNotifier other : List.copyOf(management.getEventNotifiers())) {
                if (other instanceof ShutdownDrain && other != this) {
                    management.removeEventNotifier(other);
                    ServiceHelper.stopService(other);
                }
            }
            if (!management.getEventNotifiers().contains(this)) {
                management.addEventNotifier(this);
                ServiceHelper.startService(this);
            }
        });
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event.getType() == CamelEvent.Type.CamelContextStopping
                || event.getType() == CamelEvent.Type.RoutesStopped
                || event.getType() == CamelEvent.Type.ExchangeFailed;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeFailedEvent failed) {
            handBackFailed(failed.getExchange());
        } else if (event.getType() == CamelEvent.Type.CamelContextStopping && journal != null && journal.isEnabled()) {
            draining = true;
            int queued = queues().stream().mapToInt(queue -> queue.getQueue().size()).sum();
            LOG.info("Shutting down: new webhooks are refused (503, or the HTTP server has closed) and Huma sends "
                    + "them again; draining {} queued and {} in-flight event(s), what is not finished in time stays "
                    + "in the journal for the restart", queued, inFlight());
        } else if (event.getType() == CamelEvent.Type.CamelContextStopping) {
            draining = true;
            queues().forEach(queue -> queuesAtStop.add(queue.getQueue()));
            int queued = queuesAtStop.stream().mapToInt(BlockingQueue::size).sum();
            int inFlight = inFlight();
            pendingAtStop = queued + inFlight;
            if (queuesAtStop.isEmpty()) {
                // a broker's or Kafka's queues: what waits there stays there for the next start
                LOG.info("Shutting down: new webhooks are refused (503, or the HTTP server has closed) and Huma sends "
                        + "them again; finishing {} in-flight event(s), queued events stay in their queue", inFlight);
            } else {
                LOG.info("Shutting down: new webhooks are refused (503, or the HTTP server has closed) and Huma sends "
                        + "them again; draining {} queued and {} in-flight event(s)", queued, inFlight);
            }
            long handBackIn = Math.max(0,
                    TimeUnit.SECONDS.toMillis(getCamelContext().getShutdownStrategy().getTimeout()) - HAND_BACK_MARGIN_MILLIS);
            timer = getCamelContext().getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "shutdown-drain");
            timer.schedule(this::handLeftoversToTheDeadLetterRoute, handBackIn, TimeUnit.MILLISECONDS);
        } else {
            if (timer != null) {
                timer.shutdownNow();
            }
            report();
        }
    }

    /** What the workers could not take in time goes to the dead-letter route while it still runs. */
    private void handLeftoversToTheDeadLetterRoute() {
        try {
            for (BlockingQueue<Exchange> queue : queuesAtStop) {
                Exchange left;
                while ((left = queue.poll()) != null) {
                    toTheDeadLetterRoute(leftover(left), LEFT_IN_THE_QUEUE);
                    handedBack.incrementAndGet();
                }
            }
        } catch (RuntimeException e) {
            LOG.error("Could not hand the events left in the queues to the dead letters: {}", e.toString());
        }
    }

    /** An event still waiting in a queue, as the dead-letter route takes it: never tried. */
    private static Exchange leftover(Exchange left) {
        Exchange record = freshRecord(left);
        record.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalStateException(LEFT_IN_THE_QUEUE));
        record.setProperty(RedeliveryAdvisor.ATTEMPTS, 0);
        return record;
    }

    /**
     * A worker's exchange failed without reaching the dead letters (the stop rejected the rest of
     * its route): the dead-letter route takes it, unless it had written its record already. A
     * worker's exchange is known by the payload it keeps ({@code humaPayload}).
     */
    private void handBackFailed(Exchange exchange) {
        if (exchange.getProperty(DeadLetters.PAYLOAD_PROPERTY) == null) {
            return;
        }
        if (draining && (exchange.getProperty(ForgetWhenDone.KEY_PROPERTY) != null || brokerKeepsIt())) {
            // its record stays in the journal, or its message in the broker: worked again after the restart
            LOG.info("{} event cut short by the stop: left in {}, worked again after the restart ({})",
                    DeadLetters.event(exchange), brokerKeepsIt() ? "its durable queue" : "the journal",
                    exchange.getException() == null ? "rolled back" : exchange.getException().toString());
            return;
        }
        String written = exchange.getProperty(DeadLetters.WRITTEN_PROPERTY, String.class);
        if (written != null) {
            // the dead-letter route wrote the record, then the stop cut the rest of it short
            LOG.warn("{} event: dead letter {} written; the rest of its route was cut short by the stop ({})",
                    DeadLetters.event(exchange), written,
                    exchange.getException() == null ? "unknown" : exchange.getException().toString());
            return;
        }
        // the record takes the event as the worker kept it (humaPayload, humaReceivedAt, humaReplays)
        Exchange record = freshRecord(exchange);
        Exception failure = exchange.getException();
        record.setProperty(Exchange.EXCEPTION_CAUGHT, failure);
        record.setProperty(Exchange.FAILURE_ROUTE_ID, exchange.getProperty(Exchange.FAILURE_ROUTE_ID));
        String reason = (draining ? "cut short by the shutdown: " : "failed outside the dead letter channel: ")
                + (failure == null ? "unknown" : failure.toString());
        lastResort.incrementAndGet();
        toTheDeadLetterRoute(record, reason);
    }

    /**
     * A new exchange with the event's properties, body and headers, and none of Camel's routing state:
     * a copy of a worker's exchange cut short by the stop also copies its "interrupted" and "stop
     * routing" marks, and the dead-letter route would then end at once without writing anything.
     */
    private static Exchange freshRecord(Exchange from) {
        Exchange record = new DefaultExchange(from.getContext());
        record.setExchangeId(from.getExchangeId());
        record.getProperties().putAll(from.getProperties());
        record.getIn().setBody(from.getMessage().getBody());
        record.getIn().setHeaders(new HashMap<>(from.getMessage().getHeaders()));
        return record;
    }

    /**
     * Hands the event to the dead-letter route, the one place that writes dead letters. Only when
     * Camel refuses to run the route at all (a stop that has run out of time rejects every exchange)
     * is the record the route would have written put in the dead-letter folder here, so that an
     * event accepted with a 200 is never lost.
     */
    private void toTheDeadLetterRoute(Exchange record, String reason) {
        ProducerTemplate template = getCamelContext().createProducerTemplate();
        try {
            // block=false: when the route has stopped, fail at once rather than wait for a consumer
            template.send("direct:huma-dead-letter?block=false", record);
        } catch (RuntimeException e) {
            record.setException(e);
        } finally {
            try {
                template.stop();
            } catch (Exception e) {
                // stopping anyway
            }
        }
        if (record.getException() != null && record.getProperty(DeadLetters.WRITTEN_PROPERTY) == null) {
            writeToTheFolder(record, reason, record.getException());
        }
    }

    /** Camel refused to run the dead-letter route (the context is going down): the folder takes the record. */
    private void writeToTheFolder(Exchange record, String reason, Exception refusal) {
        String event = DeadLetters.event(record);
        String name = deadLetters.fileName(record);
        try {
            String text = deadLetters.recordWithReason(record, reason);
            Files.createDirectories(deadLetterDir);
            Path part = deadLetterDir.resolve("." + name + ".part");
            Files.write(part, text.getBytes(StandardCharsets.UTF_8));
            Files.move(part, deadLetterDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            LOG.error("{} event failed and was written as dead letter {} in {} (Camel refused the dead-letter route: {}): {}",
                    event, name, deadLetterDir.toAbsolutePath(), refusal.getMessage(), reason);
        } catch (Exception e) {
            // not even the folder: the log is the record (a payload holds no secret)
            LOG.error("{} event failed and could not be written as a dead letter ({}); its payload: {}",
                    event, e.getMessage(), DeadLetters.payload(record));
        }
    }

    private void report() {
        if (journal != null && journal.isEnabled()) {
            long kept = journal.getPending();
            if (!journal.isRead()) {
                // the start failed before the routes ran: what the journal holds was never read
                LOG.info("Shutdown before the journal was read: the accepted events it holds ({}) are worked after the next start",
                        journal.getDir().toAbsolutePath());
            } else if (kept == 0) {
                LOG.info("Shutdown: every accepted event finished as a result or a dead letter, none left in the journal");
            } else {
                LOG.warn("Shutdown: {} accepted event(s) not finished in time stay in the journal ({}), worked after the restart",
                        kept, journal.getDir().toAbsolutePath());
            }
            return;
        }
        int left = 0;
        for (BlockingQueue<Exchange> queue : queuesAtStop) {
            Exchange exchange;
            while ((exchange = queue.poll()) != null) {
                toTheDeadLetterRoute(leftover(exchange), LEFT_IN_THE_QUEUE);
                left++;
            }
        }
        queuesAtStop.clear();
        int dead = handedBack.getAndSet(0) + lastResort.getAndSet(0) + left;
        int finished = Math.max(0, pendingAtStop - dead);
        if (dead == 0) {
            LOG.info("Shutdown: {} queued or in-flight event(s) finished as results or dead letters, none left", finished);
        } else {
            LOG.warn("Shutdown: {} queued or in-flight event(s) finished; {} not finished in time, written as dead letters "
                    + "(replay them after restart)", finished, dead);
        }
    }

    /** The bundle's in-memory queues ({@code seda:huma-...}), never a host's own. */
    private List<SedaEndpoint> queues() {
        return getCamelContext().getEndpoints().stream()
                .filter(SedaEndpoint.class::isInstance)
                .map(SedaEndpoint.class::cast)
                .filter(seda -> seda.getEndpointBaseUri().startsWith(QUEUE_PREFIX))
                .toList();
    }

    /**
     * Events in flight in the bundle's routes, each counted once: in the route it came in by (a
     * webhook, a worker, the replay), not again in the {@code direct:} routes it passes through; never
     * a host's own.
     */
    private int inFlight() {
        return getCamelContext().getRoutes().stream()
                .filter(route -> route.getRouteId().startsWith(ROUTE_PREFIX))
                .filter(route -> !route.getEndpoint().getEndpointUri().startsWith("direct:"))
                .mapToInt(route -> getCamelContext().getInflightRepository().size(route.getRouteId()))
                .sum();
    }
}
