package ai.huma.camel.deliver;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** huma.output.<event>.uri as a list of destinations: split at a comma before a scheme, never inside RAW(). */
class DestinationListTest {

    @Test
    void destinationsAreSplitAtACommaBeforeAScheme() {
        assertThat(ResultDelivery.split("file:output?x=a,b , sftp://h/in?password=RAW(p)"))
                .containsExactly("file:output?x=a,b", "sftp://h/in?password=RAW(p)");
    }

    @Test
    void aPasswordWithACommaAndAColonInRawStaysWhole() {
        String mail = "smtps://smtp.example.com:465?username=u&password=RAW(pa,ss:word)&to=a@example.com";
        assertThat(ResultDelivery.split(mail + ",file:output")).containsExactly(mail, "file:output");
        assertThat(ResultDelivery.split("file:output," + mail.replace("RAW(pa,ss:word)", "RAW{pa,word:x}")))
                .containsExactly("file:output", mail.replace("RAW(pa,ss:word)", "RAW{pa,word:x}"));
    }

    @Test
    void nothingIsNoDestination() {
        assertThatThrownBy(() -> ResultDelivery.split("  ")).isInstanceOf(IllegalArgumentException.class);
    }
}
