// Apache HttpClient 4.5 (Debian's libhttpclient-java), expect-continue on
// (it then waits 3 s for the 100). Usage: java ApacheHttpClient4 URL FILE;
// prints {"status": N}.
import java.io.File;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.FileEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;

public class ApacheHttpClient4 {
    public static void main(String[] args) throws Exception {
        HttpPost post = new HttpPost(args[0]);
        post.setConfig(RequestConfig.custom()
            .setExpectContinueEnabled(true).build());
        post.setEntity(new FileEntity(new File(args[1]),
                                      ContentType.APPLICATION_OCTET_STREAM));
        try (CloseableHttpClient client = HttpClients.createDefault();
             CloseableHttpResponse r = client.execute(post)) {
            String body = r.getEntity() == null ? ""
                : EntityUtils.toString(r.getEntity());
            System.out.println("{\"status\": "
                + r.getStatusLine().getStatusCode() + ", \"body\": \""
                + body.replaceAll("[\"\\\\\\s]", " ") + "\"}");
        } catch (Exception e) {
            System.out.println("{\"status\": 0, \"error\": \""
                + e.toString().replaceAll("[\"\\\\\\s]", " ") + "\"}");
        }
    }
}
