package ai.huma.camel;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The Huma REST API as the routes call it: the base URL ({@code API_URL}) and the key
 * ({@code API_SECRET_KEY}), both checked when the bundle starts. The key leaves this class only as
 * the {@code Authorization} header value; {@link #toString()} never shows it.
 */
public class HumaApi {

    private final String baseUrl;
    private final String apiKey;

    public HumaApi(String baseUrl, String apiKey) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("API_URL is not set: give the Huma API base URL "
                    + "(e.g. https://api.<tenant>.huma.ai) in the environment or in a .env file.");
        }
        if (!isHttpUrl(baseUrl.strip())) {
            throw new IllegalArgumentException("API_URL is not an absolute http(s) URL.");
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("API_SECRET_KEY is not set: give the Huma API key "
                    + "in the environment or in a .env file.");
        }
        this.baseUrl = baseUrl.strip();
        this.apiKey = apiKey.strip();
    }

    /** The value of the {@code Authorization} header of every call to the Huma API. */
    public String authorization() {
        return "Bearer " + apiKey;
    }

    public String getBaseUrl() {
        return baseUrl;
    }

    /**
     * The {@code download_url} of a visual result, accepted only as an absolute http(s) URL so that
     * nothing Huma sends can make the bundle read a local file or call another Camel endpoint.
     */
    public String downloadUrl(Object downloadUrl) {
        if (!(downloadUrl instanceof String url) || url.isBlank()) {
            throw new BadHumaPayloadException("the visual result has no download_url");
        }
        if (!isHttpUrl(url.strip())) {
            // the value is not echoed: a download link may carry credentials
            throw new BadHumaPayloadException("download_url of the visual result is not an absolute http(s) URL");
        }
        return url.strip();
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "HumaApi[" + baseUrl + "]";
    }
}
