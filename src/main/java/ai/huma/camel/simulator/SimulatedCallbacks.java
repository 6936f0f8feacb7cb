package ai.huma.camel.simulator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;

/**
 * Huma's side of a question asked through the simulator: once the "computation" is done, the webhook
 * Huma then sends to the callback URL registered with it, as Huma sends it (HUMA_API.md): JSON,
 * {@code Authorization: Bearer <token>}, 5 s per attempt, 3 attempts in all, the next after a failure.
 * Off until {@link #register} names where to call; {@link #lose} drops the callbacks (Huma's attempts
 * all failing, or a proxy eating them) for the reconciliation to find.
 */
final class SimulatedCallbacks implements AutoCloseable {

    static final int ATTEMPTS = 3;
    static final Duration ATTEMPT_TIME_OUT = Duration.ofSeconds(5);

    /** One attempt at a callback: the webhook, and the status it was answered (-1: no answer, lost: never sent). */
    record Attempt(Webhook webhook, int attempt, int status, boolean lost) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(ATTEMPT_TIME_OUT).build();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "simulated-callbacks");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private volatile String baseUrl;
    private volatile String token;
    private volatile Duration computeDelay = Duration.ofMillis(500);
    private volatile Duration retrySpacing = Duration.ofSeconds(1);
    private volatile boolean lose;

    /** Where Huma calls back (the bundle's base URL) and the token it sends ({@code API_CALLBACK_AUTH}). */
    void register(String baseUrl, String token) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    /** How long a question, subscription or visual takes to "compute" before its webhook goes. */
    void computeDelay(Duration computeDelay) {
        this.computeDelay = computeDelay;
    }

    Duration computeDelay() {
        return computeDelay;
    }

    /** The wait between two attempts at one callback. */
    void retrySpacing(Duration retrySpacing) {
        this.retrySpacing = retrySpacing;
    }

    /** True: the callbacks are lost (counted as attempts, never sent). */
    void lose(boolean lose) {
        this.lose = lose;
    }

    List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    void clear() {
        attempts.clear();
        lose = false;
        computeDelay = Duration.ofMillis(500);
        retrySpacing = Duration.ofSeconds(1);
    }

    /** Once computed ({@code then}, after the compute delay), the webhook goes to the registered callback URL. */
    void afterComputing(Runnable then, Webhook webhook) {
        scheduler.schedule(() -> {
            then.run();
            send(webhook, 1);
        }, computeDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void send(Webhook webhook, int attempt) {
        if (baseUrl == null) {
            return;
        }
        if (lose) {
            attempts.add(new Attempt(webhook, attempt, -1, true));
            return;
        }
        int status;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + webhook.kind().path()))
                    .timeout(ATTEMPT_TIME_OUT)
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(webhook.body()))
                    .build();
            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            status = -1;
        }
        attempts.add(new Attempt(webhook, attempt, status, false));
        if (status != 200 && attempt < ATTEMPTS) {
            scheduler.schedule(() -> send(webhook, attempt + 1), retrySpacing.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
