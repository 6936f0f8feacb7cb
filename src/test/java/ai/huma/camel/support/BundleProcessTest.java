package ai.huma.camel.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How {@link BundleProcess} sends webhooks, against a stand-in for the bundle on its port that
 * answers as the test scripts it: a delivery is Huma's attempts, tried again after a 503 only.
 */
class BundleProcessTest {

    private static final Webhook WEBHOOK = SimulatedWebhooks.question("t1", "q");

    private final Deque<Integer> statuses = new ConcurrentLinkedDeque<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private BundleProcess bundle;
    private HttpServer standIn;

    @BeforeEach
    void startStandIn() throws IOException {
        bundle = new BundleProcess("BundleProcessTest", Map.of("API_CALLBACK_AUTH", "env-token"));
        standIn = HttpServer.create(new InetSocketAddress("127.0.0.1", bundle.port()), 16);
        standIn.createContext(WEBHOOK.kind().path(), exchange -> {
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            int status = statuses.isEmpty() ? 200 : statuses.poll();
            byte[] body = (status == 200 ? "{}" : "{\"error\":\"Service Unavailable\"}").getBytes(StandardCharsets.UTF_8);
            if (status == 503) {
                exchange.getResponseHeaders().add("Retry-After", "30");
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        standIn.start();
    }

    @AfterEach
    void stopStandIn() {
        standIn.stop(0);
    }

    @Test
    void aDeliveryIsTriedAgainAfterA503AndItsRetryAfterIsWaitedOnlyBriefly() {
        statuses.addAll(List.of(503, 503));
        long sent = System.nanoTime();

        assertThat(bundle.deliver(WEBHOOK).statusCode()).isEqualTo(200);

        assertThat(authorizations).as("three attempts, each with the token").containsExactly(
                "Bearer env-token", "Bearer env-token", "Bearer env-token");
        // a bound of the fixture, not of the bundle: the two Retry-After: 30 were not waited in full
        assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aDeliveryEndsAfterHumasThreeAttempts() {
        statuses.addAll(List.of(503, 503, 503, 503));

        assertThat(bundle.deliver(WEBHOOK).statusCode()).isEqualTo(503);

        assertThat(authorizations).hasSize(BundleProcess.HUMA_ATTEMPTS);
    }

    @Test
    void anAnswerOtherThan503EndsTheDelivery() {
        statuses.add(400);

        assertThat(bundle.deliver(WEBHOOK).statusCode()).isEqualTo(400);
        assertThat(bundle.deliver(WEBHOOK).statusCode()).isEqualTo(200);

        assertThat(authorizations).hasSize(2);
    }

    @Test
    void oneAttemptCarriesTheTokenItIsGiven() {
        statuses.add(503);

        assertThat(bundle.callbackToken("dotenv-token").webhook(WEBHOOK).statusCode()).isEqualTo(503);

        assertThat(authorizations).containsExactly("Bearer dotenv-token");
    }

    @Test
    void aBundleWhosePortWasTakenMeanwhileIsStartedAgainOnNewPorts() throws Exception {
        try (BundleProcess bundle = new BundleProcess("BundleProcessTest", Map.of("API_URL", "http://127.0.0.1:9",
                "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "s"));
                // another socket takes the management port it was given, as one of another test might
                ServerSocket other = new ServerSocket(bundle.managementPort())) {
            int taken = bundle.managementPort();

            bundle.start();

            assertThat(bundle.output()).contains("did not start: Address already in use: another process listens on port " + taken);
            assertThat(bundle.managementPort()).isNotEqualTo(taken);
            assertThat(bundle.management("/observe/health/ready").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aPortTheTestSetIsNotChanged() throws Exception {
        try (BundleProcess bundle = new BundleProcess("BundleProcessTest", Map.of("API_URL", "http://127.0.0.1:9",
                "API_SECRET_KEY", "k", "API_CALLBACK_AUTH", "s"))) {
            bundle.environment().put("HUMA_PORT", Integer.toString(standIn.getAddress().getPort()));

            assertThatThrownBy(bundle::start).isInstanceOf(BundleProcess.BundleExitedException.class)
                    .hasMessageContaining("(huma.port, HUMA_PORT)");
        }
    }
}
