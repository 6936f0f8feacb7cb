package ai.huma.camel.fetch;

import ai.huma.camel.observe.HumaMetrics;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.HttpEntityWrapper;

/**
 * Bounds every HTTP call of one Camel {@code http:} endpoint in time and size, and makes one call
 * one request (an {@link HttpClientConfigurer}, set on the endpoint with
 * {@code httpClientConfigurer=#bean}):
 * <ul>
 * <li>{@code timeout}: the whole call, from asking for a connection to the last byte of the answer,
 * ends within it. Socket time-outs alone bound each read, so an answer trickling one byte at a time
 * could hold a worker for ever; here a timer closes the connection at the deadline and the call fails
 * with a {@link SocketTimeoutException} (retried as any time-out).</li>
 * <li>{@code maxSize}: an answer (after decompression, so a gzip bomb counts at its inflated size) of
 * more bytes fails with {@link AnswerTooLargeException} (never retried), before a byte is read when
 * its Content-Length says so already. The body of an error answer (status 300 or more) is cut at
 * {@value #MAX_ERROR_BODY} bytes instead, so that the failure still carries its status.</li>
 * <li>The HTTP client's own retries are off: Camel's error handler is the one place that retries,
 * with its back-off and its cap on {@code Retry-After}.</li>
 * </ul>
 * The messages name the properties the limits come from, so that a dead letter says what to raise.
 * <p>
 * When the CamelContext begins to stop, no call may outlive the shutdown time-out: calls in flight,
 * and calls made while the workers drain, are cut off 1.5 s before it ends (Camel checks for the
 * end of the drain each second), so that their
 * events still fail into the dead letters instead of being dropped when the process exits.
 */
public class BoundedHttpCalls implements HttpClientConfigurer, CamelContextAware {

    /** Most bytes of an error answer kept for the failure's message. */
    static final int MAX_ERROR_BODY = 64 * 1024;

    private CamelContext camelContext;
    private volatile ScheduledExecutorService deadlines;
    private final Set<Deadline> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean watchingShutdown = new AtomicBoolean();
    /** System.nanoTime() by which every call must have ended, once stopping began; 0 before. */
    private volatile long stopBy;
    private long timeout = 20_000;
    private long maxSize = 16L * 1024 * 1024;
    private String timeoutProperty = "huma.api.timeout";
    private String maxSizeProperty = "huma.api.max-answer-size";
    private HumaMetrics metrics;
    private String kind = "api";

    /** The longest a whole call may take, in milliseconds. */
    public void setTimeout(long timeout) {
        if (timeout < 1) {
            throw new IllegalArgumentException(timeoutProperty + " must be 1 ms or more, not " + timeout);
        }
        this.timeout = timeout;
    }

    /** The most bytes an answer may have. */
    public void setMaxSize(long maxSize) {
        if (maxSize < 1) {
            throw new IllegalArgumentException(maxSizeProperty + " must be 1 byte or more, not " + maxSize);
        }
        this.maxSize = maxSize;
    }

    /** Times every call (huma.api.calls), tagged with this kind: api or download. */
    public void setMetrics(HumaMetrics metrics) {
        this.metrics = metrics;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    /** The property the time-out comes from, for messages. */
    public void setTimeoutProperty(String timeoutProperty) {
        this.timeoutProperty = timeoutProperty;
    }

    /** The property the size limit comes from, for messages. */
    public void setMaxSizeProperty(String maxSizeProperty) {
        this.maxSizeProperty = maxSizeProperty;
    }

    public long getTimeout() {
        return timeout;
    }

    public long getMaxSize() {
        return maxSize;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        builder.disableAutomaticRetries();
        builder.addExecInterceptorFirst("huma-bounded-call", new Bounds());
        watchShutdown();
    }

    /** Called for the instance the endpoints really use (Camel Main makes YAML beans twice). */
    private void watchShutdown() {
        if (camelContext == null || !watchingShutdown.compareAndSet(false, true)) {
            return;
        }
        EventNotifierSupport stopping = new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event.getType() == CamelEvent.Type.CamelContextStopping;
            }

            @Override
            public void notify(CamelEvent event) {
                long grace = Math.max(0, TimeUnit.SECONDS.toMillis(camelContext.getShutdownStrategy().getTimeout()) - 1500);
                stopBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(grace);
                for (Deadline deadline : inFlight) {
                    deadline.bringForward(grace);
                }
            }
        };
        camelContext.getManagementStrategy().addEventNotifier(stopping);
        ServiceHelper.startService(stopping);
    }

    /** The time a call starting now may take: its time-out, or less once the shutdown has begun. */
    private long allowedMillis() {
        long by = stopBy;
        if (by == 0) {
            return timeout;
        }
        return Math.max(1, Math.min(timeout, TimeUnit.NANOSECONDS.toMillis(by - System.nanoTime())));
    }

    private ScheduledExecutorService deadlines() {
        ScheduledExecutorService scheduler = deadlines;
        if (scheduler == null) {
            synchronized (this) {
                if (deadlines == null) {
                    deadlines = camelContext.getExecutorServiceManager()
                            .newSingleThreadScheduledExecutor(this, "huma-call-deadlines");
                }
                scheduler = deadlines;
            }
        }
        return scheduler;
    }

    /** The outermost step of the client's chain: it sees the whole call, redirects and decompression included. */
    private final class Bounds implements ExecChainHandler {

        @Override
        public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
                throws IOException, HttpException {
            Deadline deadline = new Deadline(scope);
            deadline.arm(allowedMillis());
            try {
                ClassicHttpResponse response = chain.proceed(request, scope);
                deadline.outcome(Integer.toString(response.getCode()));
                HttpEntity entity = response.getEntity();
                if (entity == null) {
                    deadline.done();
                    return response;
                }
                boolean failed = response.getCode() >= 300;
                if (!failed && entity.getContentLength() > maxSize) {
                    deadline.outcome("too_large");
                    deadline.abandon();
                    throw tooLarge();
                }
                response.setEntity(new BoundedEntity(entity, failed ? MAX_ERROR_BODY : maxSize, !failed, deadline));
                return response;
            } catch (IOException | RuntimeException | HttpException e) {
                if (!(e instanceof AnswerTooLargeException)) {
                    deadline.outcome("error");
                }
                deadline.done();
                if (deadline.isExpired() && !(e instanceof AnswerTooLargeException)) {
                    throw timedOut(e);
                }
                throw e;
            }
        }
    }

    private AnswerTooLargeException tooLarge() {
        return new AnswerTooLargeException("the answer is larger than " + maxSizeProperty + " (" + maxSize + " bytes)");
    }

    private SocketTimeoutException timedOut(Exception cause) {
        String limit = stopBy != 0 ? "the shutdown time-out (camel.main.shutdown-timeout; huma.shutdown.timeout in the standalone jar)" : timeoutProperty + " (" + timeout + " ms)";
        SocketTimeoutException e = new SocketTimeoutException("the call took longer than " + limit + " and was cut off");
        e.initCause(cause);
        return e;
    }

    /** The timer of one call: stopped when its answer has been read, or has failed. */
    private final class Deadline {

        private final ExecChain.Scope scope;
        private final AtomicBoolean expired = new AtomicBoolean();
        private final long startedAt = System.nanoTime();
        private volatile String outcome = "error";
        private boolean recorded;
        private volatile ScheduledFuture<?> alarm;
        private volatile long endsAt;

        Deadline(ExecChain.Scope scope) {
            this.scope = scope;
        }

        synchronized void arm(long millis) {
            endsAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            alarm = deadlines().schedule(this::expire, millis, TimeUnit.MILLISECONDS);
            inFlight.add(this);
        }

        /** The shutdown has begun: end within {@code millis} at the latest. */
        synchronized void bringForward(long millis) {
            long by = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            if (by < endsAt && alarm.cancel(false)) {
                endsAt = by;
                alarm = deadlines().schedule(this::expire, millis, TimeUnit.MILLISECONDS);
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

        synchronized void done() {
            inFlight.remove(this);
            alarm.cancel(false);
            if (!recorded && metrics != null) {
                recorded = true;
                metrics.call(kind, expired.get() ? "timeout" : outcome, System.nanoTime() - startedAt);
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
    }

    /** The answer's entity, read through a stream that counts its bytes and watches the deadline. */
    private final class BoundedEntity extends HttpEntityWrapper {

        private final long limit;
        private final boolean failWhenOver;
        private final Deadline deadline;

        BoundedEntity(HttpEntity entity, long limit, boolean failWhenOver, Deadline deadline) {
            super(entity);
            this.limit = limit;
            this.failWhenOver = failWhenOver;
            this.deadline = deadline;
        }

        @Override
        public InputStream getContent() throws IOException {
            InputStream content = super.getContent();
            return content == null ? null : new BoundedStream(content, limit, failWhenOver, deadline);
        }

        @Override
        public void writeTo(java.io.OutputStream out) throws IOException {
            try (InputStream in = getContent()) {
                if (in != null) {
                    in.transferTo(out);
                }
            }
        }
    }

    private final class BoundedStream extends FilterInputStream {

        private final long limit;
        private final boolean failWhenOver;
        private final Deadline deadline;
        private long read;
        private boolean cut;

        BoundedStream(InputStream in, long limit, boolean failWhenOver, Deadline deadline) {
            super(in);
            this.limit = limit;
            this.failWhenOver = failWhenOver;
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (cut) {
                return -1;
            }
            if (read >= limit) {
                // one byte more than allowed tells an answer of exactly the limit from a longer one
                if (super.read() < 0) {
                    return end();
                }
                if (failWhenOver) {
                    deadline.outcome("too_large");
                }
                deadline.abandon();
                if (!failWhenOver) {
                    cut = true;
                    return -1; // an error answer: what was read so far is enough
                }
                throw tooLarge();
            }
            int n;
            try {
                n = super.read(buffer, offset, (int) Math.min(length, limit - read));
            } catch (IOException e) {
                deadline.outcome("error");
                deadline.done();
                if (deadline.isExpired()) {
                    throw timedOut(e);
                }
                throw e;
            }
            if (n < 0) {
                return end();
            }
            read += n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[(int) Math.min(8192, Math.max(0, n))];
            long skipped = 0;
            while (skipped < n) {
                int count = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (count < 0) {
                    break;
                }
                skipped += count;
            }
            return skipped;
        }

        @Override
        public void close() throws IOException {
            deadline.done();
            if (!cut) {
                super.close();
            }
        }

        private int end() throws InterruptedIOException {
            deadline.done();
            if (deadline.isExpired()) {
                // the connection was closed at the deadline: an end here is not the answer's end
                throw timedOut(null);
            }
            return -1;
        }
    }
}
