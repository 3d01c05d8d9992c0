// Apache HttpClient 5.2 classic (Debian's libhttpclient5-java),
// expect-continue on (it then waits 3 s for the 100).
// Usage: java ApacheHttpClient5 URL FILE; prints {"status": N}.
import java.io.File;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.FileEntity;

public class ApacheHttpClient5 {
    public static void main(String[] args) throws Exception {
        HttpPost post = new HttpPost(args[0]);
        post.setConfig(RequestConfig.custom()
            .setExpectContinueEnabled(true).build());
        post.setEntity(new FileEntity(new File(args[1]),
                                      ContentType.APPLICATION_OCTET_STREAM));
        try (CloseableHttpClient client = HttpClients.createDefault()) {
            String out = client.execute(post, r -> "{\"status\": "
                + r.getCode() + ", \"body\": \""
                + (r.getEntity() == null ? ""
                   : EntityUtils.toString(r.getEntity()))
                     .replaceAll("[\"\\\\\\s]", " ") + "\"}");
            System.out.println(out);
        } catch (Exception e) {
            System.out.println("{\"status\": 0, \"error\": \""
                + e.toString().replaceAll("[\"\\\\\\s]", " ") + "\"}");
        }
    }
}
