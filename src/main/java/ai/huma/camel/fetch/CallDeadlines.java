package ai.huma.camel.fetch;

import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ObjLongConsumer;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.core5.concurrent.Cancellable;

/**
 * The whole-call deadlines of one {@link BoundedHttpCalls}: one timer thread for all its calls,
 * which closes a call's connection when its time is up, and the calls in flight, whose deadlines
 * are brought forward when the CamelContext begins to stop. From then on no call may outlive the
 * shutdown time-out: calls in flight, and calls made while the workers drain, are cut off 1.5 s
 * before it ends (Camel checks for the end of the drain each second), so that their events still
 * fail into the dead letters instead of being dropped when the process exits.
 */
final class CallDeadlines {

    private static final String SHUTDOWN_LIMIT =
            "the shutdown time-out (camel.main.shutdown-timeout; huma.shutdown.timeout in the standalone jar)";

    /** The bean the timer thread belongs to, for Camel's executor service manager. */
    private final Object owner;
    private final Set<Deadline> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean watchingShutdown = new AtomicBoolean();
    private volatile CamelContext camelContext;
    private volatile ScheduledExecutorService scheduler;
    /** System.nanoTime() by which every call must have ended, once stopping began; 0 before. */
    private volatile long stopBy;

    CallDeadlines(Object owner) {
        this.owner = owner;
    }

    /**
     * Takes the timer thread from this context and brings the deadlines forward when it begins to
     * stop. Called for the instance the endpoints really use (Camel Main makes YAML beans twice).
     */
    void watchShutdown(CamelContext context) {
        if (context == null) {
            return;
        }
        camelContext = context;
        if (!watchingShutdown.compareAndSet(false, true)) {
            return;
        }
        EventNotifierSupport stopping = new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event.getType() == CamelEvent.Type.CamelContextStopping;
            }

            @Override
            public void notify(CamelEvent event) {
                long grace = Math.max(0, TimeUnit.SECONDS.toMillis(context.getShutdownStrategy().getTimeout()) - 1500);
                stopBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(grace);
                for (Deadline deadline : inFlight) {
                    deadline.bringForward(grace);
                }
            }
        };
        stopping.setIgnoreExchangeEvents(true);
        stopping.setIgnoreStepEvents(true);
        stopping.setIgnoreServiceEvents(true);
        stopping.setIgnoreRouteEvents(true);
        context.getManagementStrategy().addEventNotifier(stopping);
        ServiceHelper.startService(stopping);
    }

    /**
     * Starts the timer of a call that may take {@code timeout} ms (less once the shutdown has begun).
     *
     * @param timeoutProperty where the time-out comes from, for the message of a call cut off
     * @param timer           told once how the call ended and how long it took
     */
    Deadline start(ExecChain.Scope scope, long timeout, String timeoutProperty, ObjLongConsumer<String> timer) {
        Deadline deadline = new Deadline(scope, timeoutProperty + " (" + timeout + " ms)", timer);
        deadline.arm(allowedMillis(timeout));
        return deadline;
    }

    /** The time a call starting now may take: its time-out, or less once the shutdown has begun. */
    private long allowedMillis(long timeout) {
        long by = stopBy;
        if (by == 0) {
            return timeout;
        }
        return Math.max(1, Math.min(timeout, TimeUnit.NANOSECONDS.toMillis(by - System.nanoTime())));
    }

    private ScheduledExecutorService scheduler() {
        ScheduledExecutorService current = scheduler;
        if (current == null) {
            synchronized (this) {
                if (scheduler == null) {
                    scheduler = camelContext.getExecutorServiceManager()
                            .newSingleThreadScheduledExecutor(owner, "huma-call-deadlines");
                }
                current = scheduler;
            }
        }
        return current;
    }

    /** The timer of one call: stopped when its answer has been read, or has failed. */
    final class Deadline {

        private final ExecChain.Scope scope;
        private final String limit;
        private final ObjLongConsumer<String> timer;
        private final AtomicBoolean expired = new AtomicBoolean();
        private final long startedAt = System.nanoTime();
        private volatile String outcome = "error";
        private boolean recorded;
        private volatile ScheduledFuture<?> alarm;
        private volatile long endsAt;

        private Deadline(ExecChain.Scope scope, String limit, ObjLongConsumer<String> timer) {
            this.scope = scope;
            this.limit = limit;
            this.timer = timer;
        }

        private synchronized void arm(long millis) {
            endsAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            alarm = scheduler().schedule(this::expire, millis, TimeUnit.MILLISECONDS);
            inFlight.add(this);
        }

        /** The shutdown has begun: end within {@code millis} at the latest. */
        private synchronized void bringForward(long millis) {
            long by = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            if (by < endsAt && alarm.cancel(false)) {
                endsAt = by;
                alarm = scheduler().schedule(this::expire, millis, TimeUnit.MILLISECONDS);
            }
        }

        private void expire() {
            inFlight.remove(this);
            expired.set(true);
            if (scope.originalRequest instanceof Cancellable cancellable) {
                cancellable.cancel();
            }
            scope.execRuntime.discardEndpoint();
        }

        /** Stops the timer and times the call, once. */
        synchronized void done() {
            inFlight.remove(this);
            alarm.cancel(false);
            if (!recorded) {
                recorded = true;
                timer.accept(expired.get() ? "timeout" : outcome, System.nanoTime() - startedAt);
            }
        }

        /** How the call ended, for its timer: the HTTP status, too_large, timeout or error. */
        void outcome(String outcome) {
            this.outcome = outcome;
        }

        /** Stops the timer and closes the connection: the rest of the answer is not wanted (nor read on close). */
        void abandon() {
            done();
            scope.execRuntime.discardEndpoint();
        }

        boolean isExpired() {
            return expired.get();
        }

        /** The failure of a call cut off at its deadline, naming the limit to raise. */
        SocketTimeoutException timedOut(Exception cause) {
            SocketTimeoutException e = new SocketTimeoutException("the call took longer than "
                    + (stopBy != 0 ? SHUTDOWN_LIMIT : limit) + " and was cut off");
            e.initCause(cause);
            return e;
        }
    }
}
