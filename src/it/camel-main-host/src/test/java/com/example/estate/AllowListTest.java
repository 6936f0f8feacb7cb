package com.example.estate;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import ai.huma.camel.simulator.HumaSimulator;
import ai.huma.camel.simulator.SimulatedWebhooks;
import ai.huma.camel.simulator.SimulatedWebhooks.Kind;
import ai.huma.camel.simulator.SimulatedWebhooks.Webhook;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** huma.callback.allowed-sources, set in the estate: a correctly signed webhook from elsewhere is refused. */
class AllowListTest {

    @Test
    void aSignedWebhookFromOutsideTheAllowedSourcesIsForbidden() throws Exception {
        String token = "estate-token-" + UUID.randomUUID();
        try (HumaSimulator huma = new HumaSimulator();
                RunningEstate estate = RunningEstate.start("allow-list", huma.baseUrl(), huma.apiKey(), token,
                        Map.of("huma.callback.allowed-sources", "203.0.113.0/24"))) {
            Webhook webhook = SimulatedWebhooks.webhook(Kind.QUESTION, SimulatedWebhooks.newId(), "Arrears by building");

            HttpResponse<String> answer = SimulatedWebhooks.send(estate.http, estate.baseUrl(), token, webhook);

            assertThat(answer.statusCode()).as("signed, from 127.0.0.1").isEqualTo(403);
            assertThat(estate.get("/hello").statusCode()).as("the estate's own route is not affected").isEqualTo(200);
            String metrics = estate.management("/observe/metrics").body();
            assertThat(Prometheus.sum(metrics, "huma_webhooks_total", "event=\"Questions/Computed\"", "status=\"403\""))
                    .isEqualTo(1);
            assertThat(Prometheus.sum(metrics, "huma_webhooks_total", "status=\"200\"")).isZero();
            assertThat(huma.requests()).as("no call to Huma").isEmpty();
        }
    }
}
