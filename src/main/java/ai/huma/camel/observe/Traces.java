package ai.huma.camel.observe;

/**
 * The names of what the bundle adds to the traces of Camel's tracer (camel-opentelemetry2): the
 * attributes of its spans ({@link HumaSpanDecorators}), where an event's trace id lives, and the
 * W3C trace context a dead letter keeps (docs/operations.md "Traces"). No dependency on a tracer:
 * safe to load in a host without one.
 */
public final class Traces {

    /**
     * The exchange property holding the trace id of the event the exchange works on (32 lower-case
     * hex digits), while the standalone runtime traces; absent otherwise.
     */
    public static final String TRACE_ID_PROPERTY = "humaTraceId";
    /** The MDC key of the same trace id, on every log line written while the event is worked. */
    public static final String TRACE_ID_MDC_KEY = "trace_id";
    /** The W3C trace context header Camel's tracer writes on the message of each span it starts. */
    public static final String TRACEPARENT_HEADER = "traceparent";

    /** The event (Questions/Computed, ...). */
    public static final String EVENT_ATTRIBUTE = "huma.event";
    /** The event's id: the ticket number, the subscribed id or the conversion id. */
    public static final String ID_ATTRIBUTE = "huma.id";
    /** The page of a paged answer that a call to Huma fetches. */
    public static final String PAGE_ATTRIBUTE = "huma.page";
    /** What a call to Huma is: {@code api} (the Huma API) or {@code download} (a visual's file). */
    public static final String CALL_ATTRIBUTE = "huma.call";
    /** On a replay's span: the trace id of the event's trace that ended in the dead letter. */
    public static final String REPLAY_OF_ATTRIBUTE = "huma.replay.of_trace_id";

    private Traces() {
    }

    /**
     * The trace id of a W3C {@code traceparent} value ({@code 00-<32 hex>-<16 hex>-<2 hex>}, lower case),
     * or null when it is none or has the invalid all-zero trace id. Read for each route an event
     * enters while tracing: no regular expression, no copy but the id.
     */
    public static String traceIdOf(Object traceparent) {
        if (!(traceparent instanceof String text) || text.length() != 55 || text.charAt(2) != '-' || text.charAt(35) != '-'
                || text.charAt(52) != '-') {
            return null;
        }
        boolean zero = true;
        for (int i = 0; i < 55; i++) {
            if (i == 2 || i == 35 || i == 52) {
                continue;
            }
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
            if (i > 2 && i < 35 && c != '0') {
                zero = false;
            }
        }
        return zero ? null : text.substring(3, 35);
    }

    /** A valid {@code traceparent} value as it is, else null. */
    public static String validTraceparent(Object traceparent) {
        return traceIdOf(traceparent) == null ? null : (String) traceparent;
    }

    /** {@code scheme://host:port/path}: the query, the fragment and any user-info cut off. */
    public static String withoutQuery(String url) {
        if (url == null) {
            return null;
        }
        int end = url.length();
        int query = url.indexOf('?');
        if (query >= 0) {
            end = query;
        }
        int fragment = url.indexOf('#');
        if (fragment >= 0 && fragment < end) {
            end = fragment;
        }
        String cut = url.substring(0, end);
        int authority = cut.indexOf("://");
        if (authority >= 0) {
            int hostStart = authority + 3;
            int pathStart = cut.indexOf('/', hostStart);
            int at = cut.lastIndexOf('@', pathStart < 0 ? cut.length() : pathStart);
            if (at >= hostStart) {
                cut = cut.substring(0, hostStart) + cut.substring(at + 1);
            }
        }
        return cut;
    }
}
