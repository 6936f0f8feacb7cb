package ai.huma.camel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graceful shutdown, so that nothing accepted is lost on SIGTERM:
 * <ol>
 * <li>when Camel starts stopping, new webhooks are answered 503 ({@link #isDraining()}, checked by
 * the edge) and the events still queued or in flight are counted;</li>
 * <li>the workers drain their queues (they stop with {@code shutdownRunningTask: CompleteAllTasks})
 * within {@code camel.main.shutdown-timeout};</li>
 * <li>when all routes have stopped, whatever is still in a SEDA queue is written to the dead-letter
 * folder as a replayable dead letter, and one line says how many events were drained and where the
 * rest went.</li>
 * </ol>
 */
public class ShutdownDrain extends EventNotifierSupport implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDrain.class);

    private final Path deadLetterDir;
    private final DeadLetters deadLetters = new DeadLetters();
    private volatile boolean draining;
    private volatile int pendingAtStop;

    public ShutdownDrain(String deadLetterDir) {
        this.deadLetterDir = Path.of(deadLetterDir);
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        super.setCamelContext(camelContext);
        // the management strategy calls back here when the notifier is added: add it once
        if (!camelContext.getManagementStrategy().getEventNotifiers().contains(this)) {
            camelContext.getManagementStrategy().addEventNotifier(this);
        }
    }

    /** True from the moment the bundle starts shutting down: the edge answers 503. */
    public boolean isDraining() {
        return draining;
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event.getType() == CamelEvent.Type.CamelContextStopping
                || event.getType() == CamelEvent.Type.RoutesStopped;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event.getType() == CamelEvent.Type.CamelContextStopping) {
            draining = true;
            int queued = queues().stream().mapToInt(SedaEndpoint::getCurrentQueueSize).sum();
            int inFlight = getCamelContext().getInflightRepository().size();
            pendingAtStop = queued + inFlight;
            LOG.info("Shutting down: new webhooks are answered 503; draining {} queued and {} in-flight event(s)",
                    queued, inFlight);
        } else {
            handBackLeftovers();
        }
    }

    private void handBackLeftovers() {
        int left = 0;
        for (SedaEndpoint queue : queues()) {
            Exchange exchange;
            while ((exchange = queue.getQueue().poll()) != null) {
                writeDeadLetter(exchange);
                left++;
            }
        }
        int drained = Math.max(0, pendingAtStop - left);
        if (left == 0) {
            LOG.info("Shutdown: drained {} event(s), none left", drained);
        } else {
            LOG.warn("Shutdown: drained {} event(s); {} left in the queues, written as dead letters to {} (replay them after restart)",
                    drained, left, deadLetterDir.toAbsolutePath());
        }
    }

    private void writeDeadLetter(Exchange exchange) {
        try {
            Files.createDirectories(deadLetterDir);
            String record = deadLetters.recordWithReason(exchange, "left in the queue when the bundle shut down");
            Path target = deadLetterDir.resolve(deadLetters.fileName(exchange));
            Path temp = deadLetterDir.resolve("." + target.getFileName() + ".part");
            Files.writeString(temp, record, StandardCharsets.UTF_8);
            Files.move(temp, target);
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
