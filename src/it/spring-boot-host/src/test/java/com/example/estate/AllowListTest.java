package com.example.estate;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With Huma's addresses as the only allowed sources, the estate's own test client (127.0.0.1) is
 * refused, right token or not: the allow-list sees the client address through Spring MVC.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "huma.callback.allowed-sources=203.0.113.0/24")
@DirtiesContext
class AllowListTest {

    static final String TOKEN = "estate-webhook-secret-for-tests";
    static final HumaSimulator HUMA = Support.simulator();
    static final Path WORK = Support.folderUnderTarget("allow-list-");

    @DynamicPropertySource
    static void huma(DynamicPropertyRegistry registry) {
        registry.add("huma.api.url", HUMA::baseUrl);
        registry.add("huma.api.secret-key", HUMA::apiKey);
        registry.add("huma.callback.token", () -> TOKEN);
        registry.add("huma.output.dir", () -> WORK.resolve("output").toString());
        registry.add("huma.data.dir", () -> WORK.resolve("data").toString());
    }

    @AfterAll
    static void stopHuma() {
        HUMA.close();
    }

    @LocalServerPort
    int port;

    @Test
    void aWebhookFromOutsideTheAllowedSourcesIs403WithTheRightToken() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Webhook webhook = Support.webhook(Kind.QUESTION);

        HttpResponse<String> answer = SimulatedWebhooks.send(http, "http://127.0.0.1:" + port, TOKEN, webhook);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(403);
        assertThat(answer.body()).contains("Forbidden");
        assertThat(HUMA.requests()).isEmpty();
    }
}
