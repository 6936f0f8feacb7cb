package ai.huma.camel.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookAuthorizationTest {

    private static final String SECRET = "s3cr3t-Token_value";

    private final WebhookAuthorization authorization = new WebhookAuthorization(SECRET);

    // --- constructor -------------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t\n", ",", ",,,", " , , ", " ,\t, "})
    void constructorRefusesNoSecret(String secrets) {
        assertThatThrownBy(() -> new WebhookAuthorization(secrets))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("API_CALLBACK_AUTH");
    }

    @Test
    void constructorMessageNeverHoldsAToken() {
        // every message the class can produce, checked against tokens a caller might configure
        for (String secrets : new String[] {null, "", "   ", ",", " , , "}) {
            assertThatThrownBy(() -> new WebhookAuthorization(secrets))
                    .isInstanceOf(IllegalArgumentException.class)
                    .message()
                    .doesNotContain(SECRET)
                    .doesNotContain("Bearer ");
        }
    }

    @Test
    void oneSecretIsCounted() {
        assertThat(authorization.secretCount()).isEqualTo(1);
    }

    @Test
    void commaSeparatedSecretsWithBlanksAreAllCounted() {
        WebhookAuthorization rotating = new WebhookAuthorization(" old-secret , new-secret,, ,newest ");

        assertThat(rotating.secretCount()).isEqualTo(3);
    }

    // --- isAuthorized ------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"Bearer " + SECRET, "Token " + SECRET, "Basic " + SECRET, "bearer " + SECRET,
            "  Bearer   " + SECRET + "  ", "Bearer\t" + SECRET})
    void rightTokenIsAcceptedWithAnyScheme(String header) {
        assertThat(authorization.isAuthorized(header)).isTrue();
    }

    @Test
    void nullHeaderIsRefused() {
        assertThat(authorization.isAuthorized(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "Bearer", "Bearer ", "Bearer    ", "Bearer" + SECRET, SECRET, " " + SECRET})
    void headerWithoutSchemeAndTokenIsRefused(String header) {
        assertThat(authorization.isAuthorized(header)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer " + SECRET + " extra", "Bearer " + SECRET + " " + SECRET, "Bearer a " + SECRET})
    void headerWithExtraWordsIsRefused(String header) {
        assertThat(authorization.isAuthorized(header)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"wrong", "s3cr3t", "s3cr3t-Token_valu", SECRET + "x", "x" + SECRET,
            "S3CR3T-TOKEN_VALUE", "s3cr3t-Token_value,"})
    void wrongTokenIsRefused(String token) {
        assertThat(authorization.isAuthorized("Bearer " + token)).isFalse();
    }

    @Test
    void tokenThatIsAPrefixOfTheSecretIsRefused() {
        for (int length = 1; length < SECRET.length(); length++) {
            assertThat(authorization.isAuthorized("Bearer " + SECRET.substring(0, length)))
                    .as("prefix of length %d", length)
                    .isFalse();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"old-secret", "new-secret", "newest"})
    void everyRotatedSecretIsAccepted(String token) {
        WebhookAuthorization rotating = new WebhookAuthorization(" old-secret , new-secret,, ,newest ");

        assertThat(rotating.isAuthorized("Bearer " + token)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"old-secret , new-secret", "old-secret,new-secret", "", "old", "new-secret,newest"})
    void rotationDoesNotAcceptTheListOrAPartOfASecret(String token) {
        WebhookAuthorization rotating = new WebhookAuthorization(" old-secret , new-secret,, ,newest ");

        assertThat(rotating.isAuthorized("Bearer " + token)).isFalse();
    }

    @Test
    void tokenOfSplitsSchemeAndToken() {
        assertThat(WebhookAuthorization.tokenOf("Bearer abc")).isEqualTo("abc");
        assertThat(WebhookAuthorization.tokenOf("Bearer")).isNull();
        assertThat(WebhookAuthorization.tokenOf("Bearer abc def")).isNull();
        assertThat(WebhookAuthorization.tokenOf(null)).isNull();
        assertThat(WebhookAuthorization.tokenOf("")).isNull();
        assertThat(WebhookAuthorization.tokenOf("  Bearer \t\r\n abc  ")).isEqualTo("abc");
        assertThat(WebhookAuthorization.tokenOf("Bearer abc\tdef")).isNull();
        assertThat(WebhookAuthorization.tokenOf("Bearer\u00A0abc")).isNull();
    }
}
