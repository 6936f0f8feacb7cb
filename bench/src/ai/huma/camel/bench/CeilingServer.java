package ai.huma.camel.bench;

import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;

/**
 * The ceiling of the benchmark: a plain Vert.x HTTP server that reads each request's body and
 * answers {@code 200 {}}, nothing else. Same Vert.x (from the bundle's jar), same server options
 * as the bundle's webhook server (one HttpServer instance, idle time-out, no h2c, 100-continue),
 * same JVM flags: what the bundle's edge could do at most on this machine.
 * Usage: {@code CeilingServer <port> [host]}.
 */
public final class CeilingServer {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String host = args.length > 1 ? args[1] : "127.0.0.1";
        Vertx vertx = Vertx.vertx();
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setIdleTimeout(30)
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setHttp2ClearTextEnabled(false)
                .setHandle100ContinueAutomatically(true);
        vertx.createHttpServer(options)
                .requestHandler(request -> request.body().onComplete(body -> request.response()
                        .putHeader("Content-Type", "application/json")
                        .end("{}")))
                .listen()
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("Ceiling server listening on " + host + ":" + port);
    }
}
