package ai.huma.camel.fetch;

import ai.huma.camel.observe.HumaMetrics;

import java.io.IOException;
import java.net.SocketTimeoutException;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;

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
 * When the CamelContext begins to stop, no call may outlive the shutdown time-out. The deadlines
 * and that shutdown watch are {@link CallDeadlines}; the counted answer is {@link BoundedAnswer};
 * this bean holds the settings and puts both on every call of the client.
 */
public class BoundedHttpCalls implements HttpClientConfigurer, CamelContextAware {

    /** Most bytes of an error answer kept for the failure's message. */
    static final int MAX_ERROR_BODY = 64 * 1024;

    private final CallDeadlines deadlines = new CallDeadlines(this);
    private CamelContext camelContext;
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
        deadlines.watchShutdown(camelContext);
    }

    /** Times a call (huma.api.calls) when metrics are set. */
    private void record(String outcome, long nanos) {
        HumaMetrics timer = metrics;
        if (timer != null) {
            timer.call(kind, outcome, nanos);
        }
    }

    /** The outermost step of the client's chain: it sees the whole call, redirects and decompression included. */
    private final class Bounds implements ExecChainHandler {

        @Override
        public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
                throws IOException, HttpException {
            CallDeadlines.Deadline deadline = deadlines.start(scope, timeout, timeoutProperty, BoundedHttpCalls.this::record);
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
                    throw BoundedAnswer.tooLarge(maxSizeProperty, maxSize);
                }
                response.setEntity(failed ? BoundedAnswer.cutAfter(entity, MAX_ERROR_BODY, deadline)
                        : BoundedAnswer.failingOver(entity, maxSize, maxSizeProperty, deadline));
                return response;
            } catch (IOException | RuntimeException | HttpException e) {
                if (!(e instanceof AnswerTooLargeException)) {
                    deadline.outcome("error");
                }
                deadline.done();
                if (deadline.isExpired() && !(e instanceof AnswerTooLargeException)) {
                    throw deadline.timedOut(e);
                }
                throw e;
            }
        }
    }
}
