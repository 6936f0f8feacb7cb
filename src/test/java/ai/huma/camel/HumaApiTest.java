package ai.huma.camel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HumaApiTest {

    private static final String URL = "https://api.acme.huma.ai";
    private static final String KEY = "sk-live-9f8e7d6c5b4a";

    private final HumaApi api = new HumaApi(URL, KEY);

    // --- constructor -------------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t"})
    void constructorRefusesAMissingApiUrl(String baseUrl) {
        assertThatThrownBy(() -> new HumaApi(baseUrl, KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API_URL")
                .message().doesNotContain(KEY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://x", "file:/etc", "file:///etc/passwd", "direct:huma", "mailto:a@b.c",
            "/v1/questions", "api.acme.huma.ai", "//api.acme.huma.ai", "https://", "http:///path", "https://exa mple.com"})
    void constructorRefusesAnApiUrlThatIsNotAnAbsoluteHttpUrl(String baseUrl) {
        assertThatThrownBy(() -> new HumaApi(baseUrl, KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API_URL")
                .message().doesNotContain(KEY);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\n"})
    void constructorRefusesAMissingApiKey(String apiKey) {
        assertThatThrownBy(() -> new HumaApi(URL, apiKey))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API_SECRET_KEY");
    }

    @Test
    void constructorMessageAboutTheUrlNeverShowsTheKey() {
        assertThatThrownBy(() -> new HumaApi("ftp://" + KEY, KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain(KEY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8080", "https://api.acme.huma.ai", "HTTPS://API.ACME.HUMA.AI/v1",
            "  https://api.acme.huma.ai  "})
    void constructorAcceptsAnAbsoluteHttpUrl(String baseUrl) {
        assertThat(new HumaApi(baseUrl, KEY).getBaseUrl()).isEqualTo(baseUrl.strip());
    }

    // --- authorization and toString ----------------------------------------------------------------

    @Test
    void authorizationIsTheBearerKey() {
        assertThat(api.authorization()).isEqualTo("Bearer " + KEY);
    }

    @Test
    void authorizationUsesTheStrippedKey() {
        assertThat(new HumaApi(URL, "  " + KEY + "\n").authorization()).isEqualTo("Bearer " + KEY);
    }

    @Test
    void toStringShowsTheUrlButNeverTheKey() {
        assertThat(api.toString()).contains(URL).doesNotContain(KEY);
    }

    // --- downloadUrl -------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"https://cdn.acme.huma.ai/visuals/65a1.png?sig=abc", "http://localhost:9000/x.svg",
            "HTTPS://CDN.EXAMPLE/x"})
    void downloadUrlAcceptsAnAbsoluteHttpUrl(String url) {
        assertThat(api.downloadUrl(url)).isEqualTo(url);
    }

    @Test
    void downloadUrlIsStripped() {
        assertThat(api.downloadUrl("  https://cdn.example/x.png\n")).isEqualTo("https://cdn.example/x.png");
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:/etc/passwd", "file:///etc/passwd", "direct:foo", "seda:huma-output",
            "ftp://host/x", "/relative/x.png", "x.png", "//cdn.example/x.png", "https:///x.png",
            "jar:file:/tmp/a.jar!/x", "javascript:alert(1)", "https://cdn.example/a b.png"})
    void downloadUrlRefusesWhatIsNotAnAbsoluteHttpUrlWithoutEchoingIt(String url) {
        assertThatThrownBy(() -> api.downloadUrl(url))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("download_url")
                .message().doesNotContain(url).doesNotContain("passwd").doesNotContain(KEY);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\n"})
    void downloadUrlRefusesAMissingUrl(String url) {
        assertThatThrownBy(() -> api.downloadUrl(url))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("download_url");
    }

    @Test
    void downloadUrlRefusesAValueThatIsNotText() {
        assertThatThrownBy(() -> api.downloadUrl(42))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("download_url");
    }
}
