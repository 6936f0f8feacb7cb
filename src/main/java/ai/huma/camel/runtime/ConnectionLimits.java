package ai.huma.camel.runtime;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The limits of the webhook server's connections that Vert.x has no option for:
 * <ul>
 * <li>at most {@code maxConnections} open: one beyond is closed at once (Huma tries again), and a
 * warning counts them at most every 10 s;</li>
 * <li>a request must have arrived in full and been answered within {@code requestReadTimeout}
 * seconds, counted from the moment the connection could send it (opened, or its previous answer
 * sent). This closes connections that send nothing, or their headers or body a byte at a time, and
 * kept-alive connections left idle.</li>
 * </ul>
 * The server gives it each connection it accepts ({@link #opened}) and each request first of all
 * ({@link #requestArrived}).
 */
final class ConnectionLimits {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);
    private static final long REFUSAL_LOG_INTERVAL_MILLIS = 10_000;

    private final Vertx vertx;
    private final int maxConnections;
    private final long requestReadTimeoutMillis;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicLong refusedConnections = new AtomicLong();
    private final AtomicLong lastRefusalLog = new AtomicLong();
    private final Map<HttpConnection, ConnectionState> connections = new ConcurrentHashMap<>();

    ConnectionLimits(Vertx vertx, int maxConnections, int requestReadTimeoutSeconds) {
        this.vertx = vertx;
        this.maxConnections = maxConnections;
        this.requestReadTimeoutMillis = TimeUnit.SECONDS.toMillis(requestReadTimeoutSeconds);
    }

    /** Connections open now. */
    int openConnections() {
        return openConnections.get();
    }

    /** A connection was accepted: closed at once beyond the cap, else timed until its first request. */
    void opened(HttpConnection connection) {
        int open = openConnections.incrementAndGet();
        ConnectionState state = new ConnectionState(connection);
        connection.closeHandler(closed -> {
            openConnections.decrementAndGet();
            ConnectionState gone = connections.remove(connection);
            if (gone != null) {
                gone.cancel();
            }
        });
        if (open > maxConnections) {
            refused();
            connection.close();
            return;
        }
        connections.put(connection, state);
        state.awaitRequest();
    }

    /** A request began on its connection: the connection's time runs on until the answer has been sent. */
    void requestArrived(RoutingContext context) {
        ConnectionState state = connections.get(context.request().connection());
        if (state != null) {
            context.addEndHandler(ended -> state.requestEnded());
            state.requestStarted();
        }
        context.next();
    }

    private void refused() {
        long refused = refusedConnections.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = lastRefusalLog.get();
        if (now - last >= REFUSAL_LOG_INTERVAL_MILLIS && lastRefusalLog.compareAndSet(last, now)) {
            LOG.warn("{} connection(s) closed at once so far: more than huma.http.max-connections ({}) open", refused,
                    maxConnections);
        }
    }

    /** The time a connection has for its next request; runs on the connection's event loop. */
    private final class ConnectionState {

        private final HttpConnection connection;
        private long timer = -1;
        private int inFlight;

        ConnectionState(HttpConnection connection) {
            this.connection = connection;
        }

        void awaitRequest() {
            cancel();
            timer = vertx.setTimer(requestReadTimeoutMillis, fired -> {
                timer = -1;
                connection.close();
            });
        }

        /** The deadline set when the connection became ready runs on through the body and the answer. */
        void requestStarted() {
            inFlight++;
        }

        void requestEnded() {
            inFlight = Math.max(0, inFlight - 1);
            if (inFlight == 0) {
                awaitRequest();
            }
        }

        void cancel() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }
    }
}
