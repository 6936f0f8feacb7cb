package ai.huma.camel.settings;

import ai.huma.camel.SettingsCheck;

import java.util.List;
import java.util.Properties;

import ai.huma.camel.runtime.RuntimeSettings;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings check against the library's defaults (application.properties, as HumaDefaults serves it
 * in any CamelContext) and the standalone jar's own settings, with test values on top.
 */
class SettingsCheckTest {

    private static final String KEY = "k3y-that-must-never-show";
    private static final String TOKEN = "t0ken-that-must-never-show";

    private CamelContext context;

    @AfterEach
    void close() throws Exception {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void theShippedSettingsWithTheThreeSecretsHaveNoProblem() {
        assertThat(problems(secrets())).isEmpty();
    }

    @Test
    void everyProblemIsReportedEachOnceAndNamesItsSetting() {
        Properties overrides = properties(
                "huma.api.url", "ftp://files.example.com",
                "huma.api.secret-key", " ",
                "huma.callback.token", ",,",
                "huma.port", "5001x",
                "huma.http.max-body-size", "0",
                "huma.http.worker-threads", "0",
                "huma.http.max-json-depth", "1000",
                "huma.pages.pause", "-1",
                "huma.retry.backoff-multiplier", "0.5",
                "huma.dedup.window", "one hour",
                "huma.dedup.max-entries", "0",
                "huma.health.api-check.enabled", "yes",
                "huma.output.history.uri", "",
                "huma.callback.allowed-sources", "10.0.0.0/99",
                "huma.queue.mode", "rabbitmq",
                "huma.reconcile.after", "0",
                "huma.reconcile.give-up", "a day");

        List<String> problems = problems(overrides);

        assertThat(problems).containsExactly(
                "API_URL is not an absolute http(s) URL.",
                "API_SECRET_KEY is not set: give the Huma API key in the environment or in a .env file.",
                "API_CALLBACK_AUTH holds no secret, only commas and blanks.",
                "huma.callback.allowed-sources: bad prefix length in '10.0.0.0/99'",
                "huma.http.max-body-size (HUMA_HTTP_MAX_BODY_SIZE) must be 1 or more, not 0",
                "huma.http.max-json-depth must be between 1 and 500, not 1000",
                "huma.pages.pause (HUMA_PAGES_PAUSE) must be 0 or more, not -1",
                "huma.retry.backoff-multiplier (HUMA_RETRY_BACKOFF_MULTIPLIER) must be 1.0 or more, not '0.5'",
                "huma.dedup.window must be an ISO-8601 duration such as PT1H, not 'one hour'",
                "huma.dedup.max-entries (HUMA_DEDUP_MAX_ENTRIES) must be 1 or more, not 0",
                "huma.output.history.uri is empty: give at least one Camel endpoint URI",
                "huma.queue.mode must be journal, memory, durable, broker or kafka, not 'rabbitmq'",
                "huma.reconcile.after (HUMA_RECONCILE_AFTER) must be 1 or more, not 0",
                "huma.reconcile.give-up (HUMA_RECONCILE_GIVE_UP) must be a whole number, not 'a day'",
                "huma.health.api-check.enabled (HUMA_HEALTH_API_CHECK_ENABLED) must be true or false, not 'yes'",
                // the standalone jar's own settings come after the library's
                "huma.port (HUMA_PORT) must be a whole number, not '5001x'",
                "huma.http.worker-threads (HUMA_HTTP_WORKER_THREADS) must be between 1 and 1000, not 0");
    }

    @Test
    void brokerModeNeedsTheBrokersUrl() {
        Properties broker = secrets();
        broker.setProperty("huma.queue.mode", "broker");
        assertThat(problems(broker)).containsExactly(
                "huma.queue.mode=broker needs huma.broker.url (HUMA_BROKER_URL), e.g. tcp://broker.example.com:61616");

        broker.setProperty("huma.broker.url", "tcp://broker.example.com:61616");
        assertThat(problems(broker)).isEmpty();
    }

    @Test
    void aPlaceholderNamingAMissingPropertyIsAProblemOfItsSetting() {
        Properties settings = secrets();
        settings.setProperty("huma.output.question.uri", "file:{{huma.no-such-folder}}");
        assertThat(problems(settings)).singleElement().asString()
                .isEqualTo("huma.output.question.uri (HUMA_OUTPUT_QUESTION_URI) names a property that is not set: {{huma.no-such-folder}}");
    }

    @Test
    void noMessageShowsASecret() {
        Properties settings = secrets();
        settings.setProperty("huma.api.url", "https://user:" + KEY + "@api.example.huma.ai:99999");
        settings.setProperty("huma.port", "x");
        assertThat(String.join("\n", problems(settings))).doesNotContain(KEY).doesNotContain(TOKEN).contains("API_URL");
    }

    @Test
    void aShortManagementTokenIsAProblemAndItsValueIsNotShown() {
        Properties settings = secrets();
        settings.setProperty("huma.management.token", "short-secret");
        settings.setProperty("huma.management.jolokia", "yes");
        assertThat(problems(settings)).containsExactly(
                "huma.management.jolokia (HUMA_MANAGEMENT_JOLOKIA) must be true or false, not 'yes'",
                "huma.management.token must be empty (replay off) or at least 16 characters long");

        settings.setProperty("huma.management.token", "a-management-token-long-enough");
        settings.setProperty("huma.management.jolokia", "true");
        assertThat(problems(settings)).isEmpty();
    }

    @Test
    void theManagementServerCannotShareTheWebhookPort() {
        Properties settings = secrets();
        settings.setProperty("huma.port", "5001");
        settings.setProperty("huma.management.port", "5001");
        assertThat(problems(settings)).containsExactly("huma.management.port (HUMA_MANAGEMENT_PORT) must not be huma.port (5001): "
                + "health, metrics and the operator page have a port of their own, not the one Huma calls in on");

        settings.setProperty("huma.port", "0");
        settings.setProperty("huma.management.port", "0");
        assertThat(problems(settings)).as("0 is a free port for each").isEmpty();
    }

    private List<String> problems(Properties overrides) {
        context = new DefaultCamelContext();
        context.getPropertiesComponent().setOverrideProperties(overrides);
        SettingsCheck check = new SettingsCheck(context).library();
        RuntimeSettings.check(check);
        return check.problems();
    }

    private static Properties secrets() {
        return properties("huma.api.url", "https://api.example.huma.ai", "huma.api.secret-key", KEY, "huma.callback.token", TOKEN);
    }

    private static Properties properties(String... keysAndValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }
}
