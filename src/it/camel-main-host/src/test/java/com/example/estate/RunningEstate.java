package com.example.estate;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.main.Main;

/**
 * The estate's Camel Main, as {@link EstateApp} starts it, inside the test JVM: on free ports, with the
 * Huma secrets and folders as properties, and anything else a test adds.
 */
final class RunningEstate implements AutoCloseable {

    final Main main;
    final int port;
    final int managementPort;
    final Path output;
    final Path data;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningEstate(Main main, int port, int managementPort, Path output, Path data) {
        this.main = main;
        this.port = port;
        this.managementPort = managementPort;
        this.output = output;
        this.data = data;
    }

    /** Starts the estate with the three Huma secrets (and {@code extra} settings), returning once Camel has started. */
    static RunningEstate start(String name, String apiUrl, String apiKey, String callbackToken,
            Map<String, String> extra) throws Exception {
        Path work = Files.createDirectories(Path.of("target", "test-work", name + "-" + System.nanoTime()));
        Path output = work.resolve("output");
        Path data = work.resolve("data");
        int port = freePort();
        int managementPort = freePort();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("camel.server.port", Integer.toString(port));
        settings.put("camel.management.port", Integer.toString(managementPort));
        settings.put("huma.api.url", apiUrl);
        settings.put("huma.api.secret-key", apiKey);
        settings.put("huma.callback.token", callbackToken);
        settings.put("huma.output.dir", output.toAbsolutePath().toString());
        settings.put("huma.data.dir", data.toAbsolutePath().toString());
        settings.putAll(extra);

        Main main = new Main(EstateApp.class);
        settings.forEach(main::addOverrideProperty);
        main.start();
        return new RunningEstate(main, port, managementPort, output, data);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> management(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        main.stop();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
