package ai.huma.camel.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import ai.huma.camel.edge.WarmUpMarker;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readiness that keeps Huma's 5 s deadline from the first webhook. A cold JVM answers its first
 * webhooks slowly (classes loaded, code not yet compiled): a burst right after start-up took seconds
 * per answer. So once the routes have started, the bundle sends itself {@code requests} webhooks of
 * each kind over loopback, through the real server and every check of the edge (token, body), and
 * only then says it is ready ({@code GET /} answers 503 until then). Run by {@link WebhookServer}.
 * <p>
 * A warm-up webhook carries the header of the library's {@link WarmUpMarker} (bean {@code humaWarmUp})
 * with its random value, known to this process only; the edge recognises it after all its checks and
 * answers it 200 without queueing or logging it. Nothing of it reaches a worker.
 */
public class EdgeWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeWarmUp.class);
    /** A webhook of each event, as the simulator makes them (answered, never queued: no id is worked). */
    private static final List<Webhook> SAMPLES = java.util.Arrays.stream(Kind.values())
            .map(kind -> SimulatedWebhooks.webhook(kind, "000000000000000000000000", "warm-up")).toList();

    /** The trace context of every warm-up webhook: a random trace of this process, flags 00 (not sampled). */
    private static final String UNSAMPLED_TRACE = unsampledTrace();

    private String token = "";
    private int requests = 15;
    private int concurrency = 4;
    private boolean sourceAllowed = true;
    /** The edge's marker: its header value goes with every warm-up webhook. */
    private volatile WarmUpMarker marker;
    private volatile boolean done;

    void setToken(String secrets) {
        this.token = secrets == null ? "" : secrets.split(",")[0].strip();
    }

    void setRequests(int requests) {
        if (requests < 0) {
            throw new IllegalArgumentException("huma.http.warm-up-requests must be 0 or more, not " + requests);
        }
        this.requests = requests;
    }

    void setSourceAllowed(boolean sourceAllowed) {
        this.sourceAllowed = sourceAllowed;
    }

    boolean isDone() {
        return done;
    }

    /**
     * Once the routes have all started: warms the edge up on a thread of its own (the start-up
     * thread holds the CamelContext's locks), with the edge's marker ({@code humaWarmUp}) said to be
     * warming up until then, and runs {@code then} when done, however it ended.
     *
     * @param owner the service the thread belongs to, for Camel's executor service manager
     */
    void start(CamelContext context, Object owner, Vertx vertx, int port, String pathPrefix, Runnable then) {
        ExecutorService thread = context.getExecutorServiceManager().newSingleThreadExecutor(owner, "edge-warm-up");
        WarmUpMarker found = context.getRegistry().lookupByNameAndType("humaWarmUp", WarmUpMarker.class);
        marker = found;
        if (found != null) {
            found.warmingUp();
        }
        thread.execute(() -> {
            try {
                run(vertx, port, pathPrefix);
            } finally {
                if (found != null) {
                    found.warm();
                }
                then.run();
            }
        });
        thread.shutdown();
    }

    /** Sends the warm-up webhooks to the server on this port and waits for their answers. */
    private void run(Vertx vertx, int port, String pathPrefix) {
        if (requests == 0 || marker == null) {
            done = true;
            return;
        }
        if (!sourceAllowed) {
            LOG.info("Edge warm-up skipped: loopback is not in huma.callback.allowed-sources");
            done = true;
            return;
        }
        long start = System.nanoTime();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions()
                .setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(true));
        int answered = 0;
        try {
            List<Future<Integer>> inFlight = new ArrayList<>();
            for (int round = 0; round < requests; round++) {
                for (Webhook sample : SAMPLES) {
                    inFlight.add(send(client, pathPrefix + sample.kind().path(), sample.body()));
                    if (inFlight.size() >= concurrency) {
                        answered += await(inFlight);
                    }
                }
            }
            answered += await(inFlight);
        } catch (Exception e) {
            LOG.warn("Edge warm-up stopped early: {}", e.toString());
        } finally {
            client.close();
            LOG.info("Edge warmed up with {} webhook(s) in {} ms: ready", answered,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            done = true;
        }
    }

    private Future<Integer> send(HttpClient client, String path, String body) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI(path)
                .putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + token)
                .putHeader(WarmUpMarker.HEADER, marker.value())
                // a W3C trace context that is not sampled: while the runtime traces, the warm-up's spans
                // are neither recorded nor exported (the default sampler follows the caller's choice)
                .putHeader("traceparent", UNSAMPLED_TRACE);
        return client.request(options)
                .compose(request -> request.send(Buffer.buffer(body)))
                .compose(response -> response.body().map(ignored -> response.statusCode()));
    }

    private static String unsampledTrace() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        return String.format("00-%016x%016x-%016x-00", random.nextLong() | 1, random.nextLong(), random.nextLong() | 1);
    }

    private static int await(List<Future<Integer>> inFlight) throws Exception {
        int ok = 0;
        for (Future<Integer> answer : inFlight) {
            Integer status = answer.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            if (status == 200) {
                ok++;
            }
        }
        inFlight.clear();
        return ok;
    }
}
