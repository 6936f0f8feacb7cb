package ai.huma.camel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graceful shutdown, so that nothing accepted is lost on SIGTERM:
 * <ol>
 * <li>when Camel starts stopping, the edge answers new webhooks 503 (it checks the context's status)
 * and the events still queued or in flight are counted here;</li>
 * <li>the workers drain their queues (they stop with {@code shutdownRunningTask: CompleteAllTasks})
 * within {@code camel.main.shutdown-timeout};</li>
 * <li>when all routes have stopped, whatever is still in a SEDA queue is written to the dead-letter
 * folder as a replayable dead letter, and one line says how many events were drained and where the
 * rest went.</li>
 * </ol>
 * It is also the last resort of the workers at any time: an event whose exchange fails although the
 * dead letter channel should have taken it (the dead-letter endpoint itself failing, or a worker cut
 * short by a forced shutdown) is written to the dead-letter folder here, with its original payload.
 */
public class ShutdownDrain extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDrain.class);

    private static final String WORKER_ROUTE_SUFFIX = "-worker";

    private Path deadLetterDir = Path.of("data", "dead-letter");
    private final DeadLetters deadLetters = new DeadLetters();
    /** The queues as they were when stopping began: Camel drops its reference when a route stops. */
    private final List<BlockingQueue<Exchange>> queuesAtStop = new CopyOnWriteArrayList<>();
    private final AtomicInteger lastResort = new AtomicInteger();
    private volatile boolean draining;
    private volatile int pendingAtStop;

    public ShutdownDrain() {
    }

    public ShutdownDrain(String deadLetterDir) {
        setDeadLetterDir(deadLetterDir);
    }

    /** The folder of the dead letters (huma.dead-letter.dir). */
    public void setDeadLetterDir(String deadLetterDir) {
        this.deadLetterDir = Path.of(deadLetterDir);
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
        } else if (event.getType() == CamelEvent.Type.CamelContextStopping) {
            draining = true;
            queues().forEach(queue -> queuesAtStop.add(queue.getQueue()));
            int queued = queuesAtStop.stream().mapToInt(BlockingQueue::size).sum();
            int inFlight = getCamelContext().getInflightRepository().size();
            pendingAtStop = queued + inFlight;
            LOG.info("Shutting down: new webhooks are answered 503; draining {} queued and {} in-flight event(s)",
                    queued, inFlight);
        } else {
            handBackLeftovers();
        }
    }

    /** A worker's exchange failed without reaching the dead letters: write it there ourselves. */
    private void handBackFailed(Exchange exchange) {
        String route = exchange.getFromRouteId();
        if (route == null || !route.endsWith(WORKER_ROUTE_SUFFIX)) {
            return;
        }
        Message original = exchange.getUnitOfWork() != null ? exchange.getUnitOfWork().getOriginalInMessage() : null;
        Exchange record = exchange.copy();
        if (original != null) {
            record.setIn(original.copy());
        }
        String reason = (draining ? "cut short by the shutdown: " : "failed outside the dead letter channel: ")
                + (exchange.getException() == null ? "unknown" : exchange.getException().toString());
        lastResort.incrementAndGet();
        try {
            Path file = writeDeadLetter(record, reason);
            LOG.error("{} event failed and was written as dead letter {}: {}",
                    record.getMessage().getHeader(DeadLetters.EVENT_HEADER), file.getFileName(), reason);
        } catch (RuntimeException e) {
            // not even a file could be written: the log is the record (a payload holds no secret)
            LOG.error("{} event failed and could not be written as a dead letter ({}); its record: {}",
                    record.getMessage().getHeader(DeadLetters.EVENT_HEADER), e.getMessage(),
                    record.getMessage().getBody(String.class));
        }
    }

    private void handBackLeftovers() {
        int left = 0;
        for (BlockingQueue<Exchange> queue : queuesAtStop) {
            Exchange exchange;
            while ((exchange = queue.poll()) != null) {
                writeDeadLetter(exchange, "left in the queue when the bundle shut down");
                left++;
            }
        }
        queuesAtStop.clear();
        left += lastResort.getAndSet(0);
        int drained = Math.max(0, pendingAtStop - left);
        if (left == 0) {
            LOG.info("Shutdown: {} queued or in-flight event(s) finished as results or dead letters, none left", drained);
        } else {
            LOG.warn("Shutdown: {} queued or in-flight event(s) finished; {} not finished in time, written as dead letters to {} (replay them after restart)",
                    drained, left, deadLetterDir.toAbsolutePath());
        }
    }

    private Path writeDeadLetter(Exchange exchange, String reason) {
        try {
            return writeFile(deadLetters.fileName(exchange), deadLetters.recordWithReason(exchange, reason));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot make a dead letter", e);
        }
    }

    private Path writeFile(String name, String record) {
        try {
            Files.createDirectories(deadLetterDir);
            Path target = deadLetterDir.resolve(name);
            Path temp = deadLetterDir.resolve("." + name + ".part");
            Files.writeString(temp, record, StandardCharsets.UTF_8);
            return Files.move(temp, target);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write a dead letter to " + deadLetterDir.toAbsolutePath(), e);
        }
    }

    private List<SedaEndpoint> queues() {
        return getCamelContext().getEndpoints().stream()
                .filter(SedaEndpoint.class::isInstance)
                .map(SedaEndpoint.class::cast)
                .toList();
    }
}
