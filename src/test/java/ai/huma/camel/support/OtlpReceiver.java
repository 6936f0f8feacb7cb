package ai.huma.camel.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;

/**
 * An OTLP/HTTP receiver on loopback, as a collector (or Jaeger) is to the bundle: {@code POST /v1/traces}
 * with an {@code ExportTraceServiceRequest} in protobuf, each span kept as a {@link Received} span for
 * the test to look at. Anything else is answered 404.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** A span as received: its ids in hex, its name, its attributes as text, its links and its service. */
    public record Received(String traceId, String spanId, String parentSpanId, String name, Map<String, String> attributes,
            List<Link> links, String service) {

        public String attribute(String key) {
            return attributes.get(key);
        }

        public boolean isRoot() {
            return parentSpanId.isEmpty();
        }
    }

    /** A span link: the span context it points to and its attributes. */
    public record Link(String traceId, String spanId, Map<String, String> attributes) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final List<Received> spans = new CopyOnWriteArrayList<>();
    private final List<String> contentTypes = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    public static OtlpReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            OtlpReceiver receiver = new OtlpReceiver(server);
            server.createContext("/", receiver::handle);
            server.setExecutor(receiver.executor);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to: the exporter adds /v1/traces. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Received> spans() {
        return List.copyOf(spans);
    }

    public List<Received> spans(Predicate<Received> which) {
        return spans.stream().filter(which).toList();
    }

    /** The spans of one trace. */
    public List<Received> trace(String traceId) {
        return spans(span -> span.traceId().equals(traceId));
    }

    /** The Content-Type of every export received. */
    public List<String> contentTypes() {
        return List.copyOf(contentTypes);
    }

    /** The span and its ancestors in its trace, nearest first (as far as they were received). */
    public List<Received> ancestry(Received span) {
        List<Received> chain = new ArrayList<>();
        Received current = span;
        while (current != null) {
            chain.add(current);
            String parent = current.parentSpanId();
            current = parent.isEmpty() ? null : spans.stream()
                    .filter(s -> s.traceId().equals(span.traceId()) && s.spanId().equals(parent)).findFirst().orElse(null);
        }
        return chain;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod()) || !"/v1/traces".equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
            byte[] body;
            try (InputStream in = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
            for (ResourceSpans resource : request.getResourceSpansList()) {
                String service = attributes(resource.getResource().getAttributesList()).get("service.name");
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    for (io.opentelemetry.proto.trace.v1.Span span : scope.getSpansList()) {
                        List<Link> links = span.getLinksList().stream()
                                .map(link -> new Link(hex(link.getTraceId().toByteArray()), hex(link.getSpanId().toByteArray()),
                                        attributes(link.getAttributesList())))
                                .toList();
                        spans.add(new Received(hex(span.getTraceId().toByteArray()), hex(span.getSpanId().toByteArray()),
                                hex(span.getParentSpanId().toByteArray()), span.getName(), attributes(span.getAttributesList()),
                                links, service));
                    }
                }
            }
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        }
    }

    private static Map<String, String> attributes(List<KeyValue> list) {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (KeyValue pair : list) {
            AnyValue value = pair.getValue();
            String text = switch (value.getValueCase()) {
                case STRING_VALUE -> value.getStringValue();
                case INT_VALUE -> Long.toString(value.getIntValue());
                case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
                case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
                default -> value.toString();
            };
            attributes.put(pair.getKey(), text);
        }
        return attributes;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
