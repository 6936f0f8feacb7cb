package ai.huma.camel.fetch;

import ai.huma.camel.observe.Traces;
import ai.huma.camel.settings.SafeText;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * The Huma REST API as the routes call it: the base URL ({@code API_URL}), the key
 * ({@code API_SECRET_KEY}), both checked when the bundle starts, and the hosts a visual may be
 * downloaded from ({@code huma.download.allowed-hosts}). The key leaves this class only as the
 * {@code Authorization} header value; {@link #toString()} never shows it.
 */
public class HumaApi implements Expression {

    private String baseUrl;
    private String apiKey;
    private List<String> allowedDownloadHosts = List.of();

    /** The base URL of the Huma API, e.g. {@code https://api.<tenant>.huma.ai}. */
    public void setUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("API_URL is not set: give the Huma API base URL "
                    + "(e.g. https://api.<tenant>.huma.ai) in the environment or in a .env file.");
        }
        if (!isHttpUrl(url.strip())) {
            throw new IllegalArgumentException("API_URL is not an absolute http(s) URL.");
        }
        this.baseUrl = url.strip();
    }

    /** The API key. */
    public void setSecretKey(String secretKey) {
        if (secretKey == null || secretKey.isBlank()) {
            throw new IllegalArgumentException("API_SECRET_KEY is not set: give the Huma API key "
                    + "in the environment or in a .env file.");
        }
        this.apiKey = secretKey.strip();
    }

    /**
     * Hosts a {@code download_url} may point to, comma-separated: a host name ({@code files.huma.ai}),
     * {@code *.huma.ai} for any host under that domain, or an IP address. Empty: any host.
     */
    public void setAllowedDownloadHosts(String hosts) {
        this.allowedDownloadHosts = hosts == null ? List.of() : Arrays.stream(hosts.split(","))
                .map(host -> host.strip().toLowerCase(Locale.ROOT))
                .filter(host -> !host.isEmpty())
                .toList();
        for (String host : allowedDownloadHosts) {
            if (!host.matches("(\\*\\.)?[a-z0-9._:\\[\\]-]+")) {
                throw new IllegalArgumentException("huma.download.allowed-hosts: not a host name or *.domain: "
                        + SafeText.quoted(host));
            }
        }
    }

    /** The value of the {@code Authorization} header of every call to the Huma API. */
    public String authorization() {
        return "Bearer " + apiKey;
    }

    /**
     * As a Camel expression (the API call's {@code setHeader: Authorization, ref: humaApi}): the
     * value of {@link #authorization()}, without the copy of the exchange a bean call makes.
     */
    @Override
    public <T> T evaluate(Exchange exchange, Class<T> type) {
        return exchange.getContext().getTypeConverter().convertTo(type, exchange, authorization());
    }

    public String getBaseUrl() {
        return baseUrl;
    }

    public List<String> getAllowedDownloadHosts() {
        return allowedDownloadHosts;
    }

    /**
     * The {@code download_url} of a visual result, accepted only as an absolute http(s) URL (so that
     * nothing Huma sends can make the bundle read a local file or call another Camel endpoint), on an
     * allowed host when {@code huma.download.allowed-hosts} is set.
     */
    public String downloadUrl(Object downloadUrl) {
        if (!(downloadUrl instanceof String url) || url.isBlank()) {
            throw new BadHumaPayloadException("the visual result has no download_url");
        }
        URI uri = httpUri(url.strip());
        if (uri == null) {
            // the value is not echoed: a download link may carry credentials
            throw new BadHumaPayloadException("download_url of the visual result is not an absolute http(s) URL");
        }
        if (!isAllowedDownloadHost(uri.getHost())) {
            throw new BadHumaPayloadException("download_url of the visual result points to host "
                    + SafeText.quoted(uri.getHost()) + ", which is not in huma.download.allowed-hosts");
        }
        return url.strip();
    }

    /**
     * Fails a download the file store did not answer with a 2xx, as camel-http does, but the exception
     * names the link without its query, fragment or user-info (a signed link's signature must not
     * reach a log line, a span or the operator page) and carries none of the store's answer (an S3
     * error repeats the string it signed) but its {@code Retry-After}. The route calls the link with
     * {@code throwExceptionOnFailure=false}; a redirect is not followed, so it fails here too.
     */
    public void requireDownloaded(Exchange exchange) throws HttpOperationFailedException {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (status != null && status >= 200 && status < 300) {
            return;
        }
        String link = exchange.getProperty("humaDownloadUrl", String.class);
        String retryAfter = exchange.getMessage().getHeader("Retry-After", String.class);
        exchange.getMessage().setBody(null);
        throw new HttpOperationFailedException(Traces.withoutQuery(link), status == null ? 0 : status,
                exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_TEXT, String.class), null,
                retryAfter == null ? Map.of() : Map.of("Retry-After", retryAfter), null);
    }

    boolean isAllowedDownloadHost(String host) {
        if (allowedDownloadHosts.isEmpty()) {
            return true;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        for (String allowed : allowedDownloadHosts) {
            if (allowed.startsWith("*.") ? name.endsWith(allowed.substring(1)) : name.equals(allowed)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isHttpUrl(String url) {
        return httpUri(url) != null;
    }

    private static URI httpUri(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean http = (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                    && uri.getPort() >= -1 && uri.getPort() <= 65535 && uri.getPort() != 0;
            return http ? uri : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "HumaApi[" + baseUrl + "]";
    }
}
