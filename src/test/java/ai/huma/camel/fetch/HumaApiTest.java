package ai.huma.camel.fetch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HumaApiTest {

    private static final String URL = "https://api.acme.huma.ai";
    private static final String KEY = "sk-live-9f8e7d6c5b4a";

    private final HumaApi api = api(URL, KEY);

    // --- constructor -------------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t"})
    void constructorRefusesAMissingApiUrl(String baseUrl) {
        assertThatThrownBy(() -> api(baseUrl, KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API_URL")
                .message().doesNotContain(KEY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://x", "file:/etc", "file:///etc/passwd", "direct:huma", "mailto:a@b.c",
            "/v1/questions", "api.acme.huma.ai", "//api.acme.huma.ai", "https://", "http:///path", "https://exa mple.com"})
    void constructorRefusesAnApiUrlThatIsNotAnAbsoluteHttpUrl(String baseUrl) {
        assertThatThrownBy(() -> api(baseUrl, KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API_URL")
                .message().doesNotContain(KEY);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\n"})
    void constructorRefusesAMissingApiKey(String apiKey) {
        assertThatThrownBy(() -> api(URL, apiKey))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API_SECRET_KEY");
    }

    @Test
    void constructorMessageAboutTheUrlNeverShowsTheKey() {
        assertThatThrownBy(() -> api("ftp://" + KEY, KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain(KEY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8080", "https://api.acme.huma.ai", "HTTPS://API.ACME.HUMA.AI/v1",
            "  https://api.acme.huma.ai  "})
    void constructorAcceptsAnAbsoluteHttpUrl(String baseUrl) {
        assertThat(api(baseUrl, KEY).getBaseUrl()).isEqualTo(baseUrl.strip());
    }

    private static HumaApi api(String url, String key) {
        HumaApi api = new HumaApi();
        api.setUrl(url);
        api.setSecretKey(key);
        return api;
    }

    // --- authorization and toString ----------------------------------------------------------------

    @Test
    void authorizationIsTheBearerKey() {
        assertThat(api.authorization()).isEqualTo("Bearer " + KEY);
    }

    @Test
    void authorizationUsesTheStrippedKey() {
        assertThat(api(URL, "  " + KEY + "\n").authorization()).isEqualTo("Bearer " + KEY);
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

    // --- allowed download hosts --------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1/f.pdf", "http://10.0.0.8/f.pdf", "https://files.elsewhere.example/f.pdf",
            "http://[::1]:8080/f.pdf", "http://localhost/f.pdf"})
    void withoutAnAllowListAnyHostIsDownloaded(String url) {
        assertThat(api.downloadUrl(url)).isEqualTo(url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://files.huma.ai/v/1.pdf", "https://FILES.HUMA.AI/v/1.pdf", "https://eu.cdn.huma.ai/x.csv",
            "https://a.b.cdn.huma.ai/x.csv", "http://10.1.2.3:9000/bucket/v.pptx", "https://files.huma.ai./v/1.pdf"})
    void anAllowedHostIsDownloaded(String url) {
        api.setAllowedDownloadHosts(" files.huma.ai, *.cdn.huma.ai ,10.1.2.3");

        assertThat(api.downloadUrl(url)).isEqualTo(url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1/f.pdf", "http://localhost/f.pdf", "https://files.huma.ai.evil.example/x",
            "https://evilfiles.huma.ai/x", "https://cdn.huma.ai/x", "http://169.254.169.254/latest/meta-data/",
            "https://user:pw@10.1.2.4/x", "http://[::1]/x"})
    void aHostNotOnTheListIsRefusedWithoutTheUrl(String url) {
        api.setAllowedDownloadHosts("files.huma.ai,*.cdn.huma.ai,10.1.2.3");

        assertThatThrownBy(() -> api.downloadUrl(url))
                .isInstanceOf(BadHumaPayloadException.class)
                .hasMessageContaining("huma.download.allowed-hosts")
                .message().doesNotContain("pw").doesNotContain("/x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://host:99999/f.pdf", "http://host:0/f.pdf"})
    void aDownloadUrlWithAnImpossiblePortIsRefused(String url) {
        assertThatThrownBy(() -> api.downloadUrl(url)).isInstanceOf(BadHumaPayloadException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"files/huma", "*", "a b", "https://files.huma.ai"})
    void anAllowListEntryThatIsNotAHostIsRefusedAtStart(String entry) {
        assertThatThrownBy(() -> api.setAllowedDownloadHosts(entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huma.download.allowed-hosts");
    }
}
