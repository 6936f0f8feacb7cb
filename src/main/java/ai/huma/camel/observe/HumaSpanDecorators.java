package ai.huma.camel.observe;

import ai.huma.camel.event.HumaEvent;
import ai.huma.camel.fetch.PageCursor;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.telemetry.Span;
import org.apache.camel.telemetry.decorators.DirectSpanDecorator;
import org.apache.camel.telemetry.decorators.FileSpanDecorator;
import org.apache.camel.telemetry.decorators.HttpSpanDecorator;
import org.apache.camel.telemetry.decorators.HttpsSpanDecorator;
import org.apache.camel.telemetry.decorators.JmsSpanDecorator;
import org.apache.camel.telemetry.decorators.KafkaSpanDecorator;
import org.apache.camel.telemetry.decorators.PlatformHttpSpanDecorator;
import org.apache.camel.telemetry.decorators.SedaSpanDecorator;

/**
 * Camel's span decorators for the components of the bundle's routes, each one Camel's own with the
 * bundle's attributes added for the exchanges of its routes ({@link Traces}): the event and its id on
 * every span, the page of each call to Huma, and HTTP URLs without a query, fragment or user-info.
 * Spans of a host's own routes are Camel's, unchanged.
 * <p>
 * camel-telemetry loads them with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.apache.camel.telemetry.SpanDecorator}) and prefers a subclass of its
 * own decorator for the same component: in the standalone jar, and in a host that runs Camel's
 * OpenTelemetry tracer. Without a tracer nothing loads them.
 */
public final class HumaSpanDecorators {

    private static final String ROUTE_PREFIX = "huma-";

    private HumaSpanDecorators() {
    }

    /** True for an exchange in one of the bundle's routes (ids starting with {@value #ROUTE_PREFIX}). */
    static boolean isHumaExchange(Exchange exchange) {
        String route = ExchangeHelper.getRouteId(exchange);
        if (route != null) {
            return route.startsWith(ROUTE_PREFIX);
        }
        String from = exchange.getFromRouteId();
        return from != null && from.startsWith(ROUTE_PREFIX);
    }

    /**
     * The event and its id, where the exchange has them: on every span of the bundle's routes (one
     * call in each decorator below, after Camel's own tags; other routes' spans stay Camel's).
     */
    static void tagEvent(Span span, Exchange exchange) {
        if (!isHumaExchange(exchange)) {
            return;
        }
        String event = exchange.getProperty(HumaEvent.PROPERTY, String.class);
        if (event == null) {
            event = exchange.getIn().getHeader(HumaEvent.NAME_HEADER, String.class);
        }
        if (event != null) {
            span.setTag(Traces.EVENT_ATTRIBUTE, event);
        }
        String id = exchange.getProperty("humaResultId", String.class);
        if (id != null) {
            span.setTag(Traces.ID_ATTRIBUTE, id);
        }
    }

    /**
     * A call to Huma (route huma-api-call or huma-download): what it is, the page it fetches, and its
     * URL and path without a query, user-info or fragment (a download's link may carry a signature in
     * its query; the API key is a header, never recorded). With the event and its id.
     */
    static void tagHttpCall(Span span, Exchange exchange) {
        if (!isHumaExchange(exchange)) {
            return;
        }
        tagEvent(span, exchange);
        String route = ExchangeHelper.getRouteId(exchange);
        if ("huma-download".equals(route)) {
            span.setTag(Traces.CALL_ATTRIBUTE, "download");
        } else if ("huma-api-call".equals(route)) {
            span.setTag(Traces.CALL_ATTRIBUTE, "api");
            String path = exchange.getIn().getHeader(Exchange.HTTP_PATH, String.class);
            if (path != null) {
                span.setTag("url.path", path);
            }
            if (exchange.getProperty("humaApiQuery") != null
                    && exchange.getProperty("humaPages") instanceof PageCursor pages) {
                span.setTag(Traces.PAGE_ATTRIBUTE, Long.toString(pages.getNextPage()));
            }
        }
    }

    /** The URL of an HTTP span of the bundle: without query, fragment and user-info. */
    static String httpUrl(Exchange exchange, Endpoint endpoint) {
        String url = exchange.getIn().getHeader(Exchange.HTTP_URL, String.class);
        if (url == null) {
            url = exchange.getIn().getHeader(Exchange.HTTP_URI, String.class);
        }
        if (url == null) {
            url = endpoint.getEndpointUri();
            String path = exchange.getIn().getHeader(Exchange.HTTP_PATH, String.class);
            url = Traces.withoutQuery(url);
            if (path != null) {
                url = url.endsWith("/") && path.startsWith("/") ? url + path.substring(1) : url + path;
            }
        }
        return Traces.withoutQuery(url);
    }


    /** {@code http:} calls: the API calls and the downloads. */
    public static class Http extends HttpSpanDecorator {
        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            tagHttpCall(span, exchange);
        }

        @Override
        protected String getHttpURL(Exchange exchange, Endpoint endpoint) {
            return isHumaExchange(exchange) ? httpUrl(exchange, endpoint) : super.getHttpURL(exchange, endpoint);
        }
    }

    /** {@code https:} calls: the same as {@link Http}. */
    public static class Https extends HttpsSpanDecorator {
        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            tagHttpCall(span, exchange);
        }

        @Override
        protected String getHttpURL(Exchange exchange, Endpoint endpoint) {
            return isHumaExchange(exchange) ? httpUrl(exchange, endpoint) : super.getHttpURL(exchange, endpoint);
        }
    }

    /** The webhooks (the edge's platform-http routes): the URL Huma called, without its query. */
    public static class PlatformHttp extends PlatformHttpSpanDecorator {
        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            tagEvent(span, exchange);
        }

        @Override
        protected String getHttpURL(Exchange exchange, Endpoint endpoint) {
            String url = super.getHttpURL(exchange, endpoint);
            return isHumaExchange(exchange) ? Traces.withoutQuery(url) : url;
        }
    }

    /** The in-memory queues (journal and memory mode). */
    public static class Seda extends SedaSpanDecorator {
        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            tagEvent(span, exchange);
        }
    }

    /** The Artemis queues (durable and broker mode, component huma-jms). */
    public static class Jms extends JmsSpanDecorator {
        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            tagEvent(span, exchange);
        }
    }

    /** The Kafka queues. */
    public static class Kafka extends KafkaSpanDecorator {
        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            tagEvent(span, exchange);
        }
    }

    /** The bundle's routes calling each other (fetch, deliver, dead letter, ...). */
    public static class Direct extends DirectSpanDecorator {
        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            tagEvent(span, exchange);
        }
    }

    /** Files: results delivered to a folder, dead letters written, the replay folder read. */
    public static class File extends FileSpanDecorator {
        @Override
        public void beforeTracingEvent(Span span, Exchange exchange, Endpoint endpoint) {
            super.beforeTracingEvent(span, exchange, endpoint);
            tagEvent(span, exchange);
        }
    }
}
