package ai.huma.camel.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourceAllowListTest {

    // --- no list -----------------------------------------------------------------------------------

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", ",", " , ,", "\t"})
    void noListAllowsEverySource(String allowedSources) {
        SourceAllowList list = new SourceAllowList(allowedSources);

        assertThat(list.isAllowed("203.0.113.9:1234")).isTrue();
        assertThat(list.isAllowed("[2001:db8::1]:443")).isTrue();
        assertThat(list.isAllowed("not an address")).isTrue();
        assertThat(list.isAllowed(null)).isTrue();
    }

    // --- on the list -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} allows {1}")
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1                 | 127.0.0.1:54321",
            "127.0.0.1                 | 127.0.0.1",
            "127.0.0.1/32              | 127.0.0.1:1",
            "192.168.1.5/32            | 192.168.1.5:443",
            "10.0.0.0/8                | 10.0.0.1:80",
            "10.0.0.0/8                | 10.255.255.254:80",
            "192.168.1.0/24            | 192.168.1.0:80",
            "192.168.1.0/24            | 192.168.1.255:80",
            "172.16.0.0/12             | 172.31.255.255:1",
            "10.1.2.3/8                | 10.9.9.9:1",
            "0.0.0.0/0                 | 203.0.113.9:1",
            "::1                       | [::1]:5555",
            "::1                       | ::1",
            "::1/128                   | [::1]:5555",
            "2001:db8::/32             | [2001:db8::5]:443",
            "2001:db8::/32             | [2001:db8:ffff:ffff::1]:443",
            "2001:DB8::/32             | [2001:db8::5]:443",
            "::/0                      | [fe80::1]:80",
            "'10.0.0.0/8, 2001:db8::/32' | [2001:db8::5]:443",
            "'10.0.0.0/8, 2001:db8::/32' | 10.1.1.1:443",
            "' 127.0.0.1 , , 10.0.0.0/8 ' | 127.0.0.1:8080",
            "10.0.0.0 / 8              | 10.2.3.4:1",
    })
    void sourceOnTheListIsAllowed(String allowedSources, String remoteAddress) {
        assertThat(new SourceAllowList(allowedSources).isAllowed(remoteAddress)).isTrue();
    }

    // --- not on the list ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} refuses {1}")
    @CsvSource(delimiter = '|', value = {
            "127.0.0.1                 | 127.0.0.2:54321",
            "192.168.1.5/32            | 192.168.1.6:443",
            "10.0.0.0/8                | 11.0.0.1:80",
            "10.0.0.0/8                | 9.255.255.255:80",
            "192.168.1.0/24            | 192.168.2.1:80",
            "172.16.0.0/12             | 172.32.0.1:1",
            "172.16.0.0/12             | 172.15.255.255:1",
            "::1                       | [::2]:5555",
            "2001:db8::/32             | [2001:db9::1]:443",
            "2001:db8::/32             | [2001:db7:ffff::1]:443",
            "'10.0.0.0/8, 2001:db8::/32' | 192.168.0.1:443",
    })
    void sourceNotOnTheListIsRefused(String allowedSources, String remoteAddress) {
        assertThat(new SourceAllowList(allowedSources).isAllowed(remoteAddress)).isFalse();
    }

    @ParameterizedTest(name = "{0} refuses {1}")
    @CsvSource(delimiter = '|', value = {
            "0.0.0.0/0     | [::1]:5555",
            "0.0.0.0/0     | [2001:db8::5]:443",
            "127.0.0.1     | [::1]:5555",
            "::/0          | 127.0.0.1:54321",
            "::/0          | 10.0.0.1",
            "2001:db8::/32 | 32.1.13.184:443",
    })
    void ipv4AndIpv6NeverMatchEachOther(String allowedSources, String remoteAddress) {
        assertThat(new SourceAllowList(allowedSources).isAllowed(remoteAddress)).isFalse();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "garbage", "localhost:8080", "example.com:80", "[::1", "[]:80", "1.2.3:80",
            "127.0.0.1.5:80", "[localhost]:80", "127.0.0.1:80:90x"})
    void unreadableRemoteAddressIsRefusedWhenThereIsAList(String remoteAddress) {
        assertThat(new SourceAllowList("0.0.0.0/0, ::/0").isAllowed(remoteAddress)).isFalse();
    }

    // --- bad entries -------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"not-an-ip", "example.com", "localhost", "10.0.0.0/33", "10.0.0.0/x", "10.0.0.0/",
            "10.0.0.0/-1", "10.0.0.0/8/8", "::1/129", "2001:db8::/x", "10.0.0", "[::1]", "127.0.0.1:8080",
            "127.0.0.1, example.com", "*"})
    void badEntryIsRefusedNamingTheSetting(String allowedSources) {
        assertThatThrownBy(() -> new SourceAllowList(allowedSources))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("huma.callback.allowed-sources");
    }

    @Test
    void badEntryMessageQuotesTheEntry() {
        assertThatThrownBy(() -> new SourceAllowList("10.0.0.0/8, example.com"))
                .hasMessageContaining("'example.com'")
                .message().doesNotContain("10.0.0.0/8");
    }

    @Test
    void badPrefixMessageQuotesTheEntry() {
        assertThatThrownBy(() -> new SourceAllowList("10.0.0.0/33"))
                .hasMessageContaining("prefix")
                .hasMessageContaining("'10.0.0.0/33'");
    }

    @Test
    void hostNameEntryIsRefusedEvenWhenItWouldResolve() {
        // "localhost" resolves from /etc/hosts everywhere: refused all the same, so no look-up is relied on
        assertThatThrownBy(() -> new SourceAllowList("localhost"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an IP address");
    }

    // --- addressOf ---------------------------------------------------------------------------------

    @Test
    void addressOfReadsIpv4WithPort() {
        assertThat(SourceAllowList.addressOf("127.0.0.1:54321")).containsExactly(127, 0, 0, 1);
    }

    @Test
    void addressOfReadsBracketedIpv6WithPort() {
        assertThat(SourceAllowList.addressOf("[::1]:5555")).hasSize(16).endsWith(1).startsWith(0, 0, 0, 0);
        assertThat(SourceAllowList.addressOf("[2001:db8::5]:443")).hasSize(16).startsWith(0x20, 0x01, 0x0d, 0xb8);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "example.com:80", "garbage"})
    void addressOfIsNullForWhatIsNotAnAddress(String remoteAddress) {
        assertThat(SourceAllowList.addressOf(remoteAddress)).isNull();
    }
}
