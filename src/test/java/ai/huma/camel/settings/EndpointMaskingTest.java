package ai.huma.camel.settings;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class EndpointMaskingTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            file:output?tempFileName=.${exchangeId}.part | file:output?tempFileName=.${exchangeId}.part
            sftp://huma@files.example.com:22/in?password=p4ss&knownHostsFile=/etc/k | sftp://huma@files.example.com:22/in?password=xxxxxx&knownHostsFile=/etc/k
            ftp://huma:pa55@ftp.example.com/huma?binary=true | ftp://huma:xxxxxx@ftp.example.com/huma?binary=true
            aws2-s3://bucket?region=eu-west-1&accessKey=AKIA1&secretKey=RAW(s3&cr)t)&forcePathStyle=true | aws2-s3://bucket?region=eu-west-1&accessKey=xxxxxx&secretKey=xxxxxx&forcePathStyle=true
            aws2-s3://bucket?secretKey=RAW(a)b&c)&d=1 | aws2-s3://bucket?secretKey=xxxxxx&d=1
            aws2-s3://bucket?secretKey=RAW(never closed&d=1 | aws2-s3://bucket?secretKey=xxxxxx
            aws2-s3://bucket?secretKey=RAW{a&b}&region=x | aws2-s3://bucket?secretKey=xxxxxx&region=x
            smtps://smtp.example.com:465?username=huma@example.com&password=mailpw&to=a@b.c,d@e.f | smtps://smtp.example.com:465?username=xxxxxx&password=xxxxxx&to=a@b.c,d@e.f
            sftp://h/x?privateKeyPassphrase=pp&passphrase=x&token=t&apiKey=k&accessToken=a&clientSecret=c | sftp://h/x?privateKeyPassphrase=xxxxxx&passphrase=xxxxxx&token=xxxxxx&apiKey=xxxxxx&accessToken=xxxxxx&clientSecret=xxxxxx
            aws2-s3://b?uriEndpointOverride=https://minio:9000&secretKey=s&to=x@y | aws2-s3://b?uriEndpointOverride=https://minio:9000&secretKey=xxxxxx&to=x@y
            tcp://broker:61616?user=u&password=bp | tcp://broker:61616?user=xxxxxx&password=xxxxxx
            direct:my-output | direct:my-output
            file:x?flag&password=p | file:x?flag&password=xxxxxx
            """)
    void masksPasswordsAndKeys(String uri, String shown) {
        assertThat(EndpointMasking.mask(uri)).isEqualTo(shown);
    }
}
