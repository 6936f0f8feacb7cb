package ai.huma.camel.observe;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading a trace id from a W3C traceparent, and URLs made fit for a span. */
class TracesUnitTest {

    @ParameterizedTest
    @CsvSource({
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01, 4bf92f3577b34da6a3ce929d0e0e4736",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00, 4bf92f3577b34da6a3ce929d0e0e4736"})
    void aTraceparentGivesItsTraceId(String traceparent, String traceId) {
        assertThat(Traces.traceIdOf(traceparent)).isEqualTo(traceId);
        assertThat(Traces.validTraceparent(traceparent)).isEqualTo(traceparent);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-011",
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"})
    void anythingElseGivesNone(String traceparent) {
        assertThat(Traces.traceIdOf(traceparent)).isNull();
        assertThat(Traces.validTraceparent(traceparent)).isNull();
    }

    @ParameterizedTest
    @CsvSource({
            "https://files.example.com/v/1.pdf?X-Amz-Signature=abc&X-Amz-Credential=k, https://files.example.com/v/1.pdf",
            "https://user:secret@files.example.com:8443/a/b#frag, https://files.example.com:8443/a/b",
            "http://127.0.0.1:1234, http://127.0.0.1:1234",
            "http://host/p@th?x=1, http://host/p@th",
            "platform-http:/api/webhook?token=t, platform-http:/api/webhook"})
    void aUrlInASpanHasNoQueryFragmentOrUserInfo(String url, String shown) {
        assertThat(Traces.withoutQuery(url)).isEqualTo(shown);
    }
}
