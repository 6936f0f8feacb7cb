package ai.huma.camel.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A fake Huma REST API: a real HTTP server on a free loopback port, with the calls the bundle makes
 * (HUMA_API.md), a Bearer-key check, deterministic multi-page data, a log of every request, and
 * fault injection (HTTP errors, slow answers).
 */
public final class FakeHumaApi implements AutoCloseable {

    private static final Pattern QUESTION_RESULT = Pattern.compile("/v1/questions/([^/]+)/result");
    private static final Pattern SUBSCRIPTION_DATA = Pattern.compile("/v1/subscription/([^/]+)/data");
    private static final Pattern VISUAL_RESULT = Pattern.compile("/v1/histories/([^/]+)/visual/result");
    private static final Pattern FILE = Pattern.compile("/files/([^/]+)");

    /** One request as the fake API received it, with the time it arrived (System.nanoTime). */
    public record Request(String method, String path, Map<String, String> query, String authorization, long receivedNanos) {

        public int page() {
            return Integer.parseInt(query.getOrDefault("page", "0"));
        }
    }

    private record Fault(Pattern path, Integer page, int status, Map<String, String> headers, AtomicInteger remaining) {
    }

    private record Slowness(Pattern path, Duration delay, AtomicInteger remaining) {
    }

    private record Visual(String fileType, byte[] content) {
    }

    private final ObjectMapper json = new ObjectMapper();
    /** The one API key the fake accepts; fixed, so that the secret scan (SecretScanIT) knows what to look for. */
    public static final String API_KEY = "fake-api-key-7c1e2b9a-5d4f-4e08-9b3a-2f6d8e1c0a57";

    private final String apiKey = API_KEY;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<Slowness> slowness = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Map<String, Integer> questions = new ConcurrentHashMap<>();
    private final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, Visual> visuals = new ConcurrentHashMap<>();
    private volatile Duration delay = Duration.ZERO;

    public FakeHumaApi() throws IOException {
        this(0);
    }

    private FakeHumaApi(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Runs the fake API on its own, for trying the bundle by hand (see the README): prints its URL
     * and key, serves a 250-record question {@code 65a1b2c3d4e5f60718293a4b}, a 120-record
     * subscription {@code 6601a2b3c4d5e6f708192a3b} and a PDF visual {@code 6702b3c4d5e6f708192a3b4c}
     * until the process is stopped. An optional argument sets the port. Faults can be injected with
     * the {@code /_fake/...} control calls (see {@code control}).
     */
    public static void main(String[] args) throws IOException {
        FakeHumaApi api = new FakeHumaApi(args.length > 0 ? Integer.parseInt(args[0]) : 0);
        api.question("65a1b2c3d4e5f60718293a4b", 250);
        api.subscription("6601a2b3c4d5e6f708192a3b", 120);
        api.visual("6702b3c4d5e6f708192a3b4c", "pdf", "%PDF-1.4 fake visual\n".getBytes(StandardCharsets.US_ASCII));
        System.out.println("API_URL=" + api.baseUrl());
        System.out.println("API_SECRET_KEY=" + api.apiKey());
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String apiKey() {
        return apiKey;
    }

    /** Forgets all data, faults, delays and recorded requests. */
    public void reset() {
        requests.clear();
        faults.clear();
        slowness.clear();
        maxInFlight.set(0);
        questions.clear();
        subscriptions.clear();
        visuals.clear();
        delay = Duration.ZERO;
    }

    /** A computed question whose answer has {@code records} rows ({@code {"row": n, "ticket": ...}}). */
    public void question(String ticketNumber, int records) {
        questions.put(ticketNumber, records);
    }

    /** A subscription whose data has {@code records} rows. */
    public void subscription(String subscribedId, int records) {
        subscriptions.put(subscribedId, records);
    }

    /** A produced visual, downloadable from this server at {@code /files/<conversionId>.<fileType>}. */
    public void visual(String conversionId, String fileType, byte[] content) {
        visuals.put(conversionId, new Visual(fileType, content.clone()));
    }

    /** Every call waits this long before it is answered. */
    public void delay(Duration delay) {
        this.delay = delay;
    }

    /** Answers {@code status} to the next {@code times} calls whose path matches (and page, if given). */
    public void fail(String pathRegex, Integer page, int status, int times) {
        fail(pathRegex, page, status, times, Map.of());
    }

    /** The same, with response headers (e.g. {@code Retry-After}). */
    public void fail(String pathRegex, Integer page, int status, int times, Map<String, String> headers) {
        faults.add(new Fault(Pattern.compile(pathRegex), page, status, Map.copyOf(headers), new AtomicInteger(times)));
    }

    /** Makes the next {@code times} calls whose path matches wait {@code delay} before answering. */
    public void slow(String pathRegex, Duration delay, int times) {
        slowness.add(new Slowness(Pattern.compile(pathRegex), delay, new AtomicInteger(times)));
    }

    /** Forgets the injected failures and slowness: Huma has recovered. */
    public void recover() {
        faults.clear();
        slowness.clear();
        delay = Duration.ZERO;
    }

    /** The most requests the fake API was answering at the same time. */
    public int maxConcurrentRequests() {
        return maxInFlight.get();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests to the API itself, without file downloads. */
    public List<Request> apiRequests() {
        return requests.stream().filter(r -> r.path().startsWith("/v1/")).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try (exchange) {
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    query(exchange.getRequestURI().getRawQuery()), exchange.getRequestHeaders().getFirst("Authorization"),
                    System.nanoTime());
            if (request.path().startsWith("/_fake/")) {
                control(exchange, request);
                return;
            }
            requests.add(request);
            Duration wait = slowness.stream()
                    .filter(s -> s.path().matcher(request.path()).matches())
                    .filter(s -> s.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0)
                    .map(Slowness::delay).findFirst().orElse(delay);
            if (!wait.isZero()) {
                Thread.sleep(wait.toMillis()); // the fault being injected: a slow Huma
            }
            Fault fault = faults.stream()
                    .filter(f -> f.path().matcher(request.path()).matches())
                    .filter(f -> f.page() == null || f.page() == request.page())
                    .filter(f -> f.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0)
                    .findFirst().orElse(null);
            if (fault != null) {
                fault.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
                send(exchange, fault.status(), Map.of("error_message", "injected failure " + fault.status()));
                return;
            }
            Matcher file = FILE.matcher(request.path());
            if (file.matches()) {
                serveFile(exchange, file.group(1));
                return;
            }
            if (!("Bearer " + apiKey).equals(request.authorization())) {
                send(exchange, 401, Map.of("error_message", "Invalid API key"));
                return;
            }
            route(exchange, request);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client gave up (a time-out being tested): nothing to answer
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Fault injection by hand, for trying the bundle against the fake API from a shell:
     * {@code POST /_fake/fail?path=<regex>&status=500&times=3[&page=2][&retryAfter=5]},
     * {@code POST /_fake/delay?ms=3000}, {@code POST /_fake/recover}.
     */
    private void control(HttpExchange exchange, Request request) throws IOException {
        Map<String, String> q = request.query();
        switch (request.path()) {
            case "/_fake/fail" -> fail(q.getOrDefault("path", ".*"), q.containsKey("page") ? Integer.valueOf(q.get("page")) : null,
                    Integer.parseInt(q.getOrDefault("status", "500")), Integer.parseInt(q.getOrDefault("times", "1")),
                    q.containsKey("retryAfter") ? Map.of("Retry-After", q.get("retryAfter")) : Map.of());
            case "/_fake/delay" -> delay(Duration.ofMillis(Long.parseLong(q.getOrDefault("ms", "0"))));
            case "/_fake/recover" -> recover();
            default -> {
                send(exchange, 404, Map.of("error_message", "unknown control"));
                return;
            }
        }
        send(exchange, 200, Map.of("ok", true));
    }

    private void route(HttpExchange exchange, Request request) throws IOException {
        Matcher m;
        if ((m = QUESTION_RESULT.matcher(request.path())).matches() && questions.containsKey(m.group(1))) {
            String ticket = m.group(1);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("answer", Map.of("type", "table", "data", rows(ticket, questions.get(ticket), request)));
            body.put("question", "question of " + ticket);
            body.put("ticket_number", ticket);
            body.put("altered_question", null);
            body.put("metadata", metadata(questions.get(ticket), request));
            send(exchange, 200, body);
        } else if ((m = SUBSCRIPTION_DATA.matcher(request.path())).matches() && subscriptions.containsKey(m.group(1))) {
            String id = m.group(1);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("subscriptions", Map.of("type", "table", "data", rows(id, subscriptions.get(id), request)));
            body.put("metadata", metadata(subscriptions.get(id), request));
            send(exchange, 200, body);
        } else if ((m = VISUAL_RESULT.matcher(request.path())).matches() && visuals.containsKey(m.group(1))) {
            String id = m.group(1);
            Visual visual = visuals.get(id);
            send(exchange, 200, Map.of(
                    "download_url", baseUrl() + "/files/" + id + "." + visual.fileType() + "?signature=a%2Fb",
                    "file_type", visual.fileType(),
                    "visual_type", "table"));
        } else {
            send(exchange, 404, Map.of("error_message", "Not found"));
        }
    }

    private void serveFile(HttpExchange exchange, String name) throws IOException {
        Visual visual = visuals.entrySet().stream()
                .filter(e -> name.equals(e.getKey() + "." + e.getValue().fileType()))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        if (visual == null) {
            send(exchange, 404, Map.of("error_message", "No such file"));
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, visual.content().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(visual.content());
        }
    }

    private static List<Map<String, Object>> rows(String owner, int total, Request request) {
        int limit = Integer.parseInt(request.query().getOrDefault("limit", "100"));
        int page = Math.max(1, request.page());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int row = (page - 1) * limit + 1; row <= Math.min(total, page * limit); row++) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("row", row);
            record.put("owner", owner);
            record.put("amount", new java.math.BigDecimal("1.10"));
            rows.add(record);
        }
        return rows;
    }

    private static Map<String, Object> metadata(int total, Request request) {
        int limit = Integer.parseInt(request.query().getOrDefault("limit", "100"));
        int page = Math.max(1, request.page());
        int pageCount = Math.max(1, (total + limit - 1) / limit);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("page", page);
        metadata.put("limit", limit);
        metadata.put("page_count", pageCount);
        metadata.put("total_count", total);
        metadata.put("has_next_page", page < pageCount);
        return metadata;
    }

    private void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return query;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
