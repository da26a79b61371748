package dev.certpilot.dns.route53;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.certpilot.core.spi.Dns01Responder;

/**
 * A local stand-in for Amazon Route 53's REST API (2013-04-01), which this machine cannot reach: hosted zones by name
 * (a public and a private zone of the same name), TXT record sets read, upserted and deleted (a delete must match the
 * set exactly, as Route 53 requires), and changes that report PENDING once, then INSYNC. Requests must be signed
 * (SigV4) with the expected access key id. Each value a change adds or drops is written to a real DNS server through
 * {@code dns}, so that the CA validates what Route 53 was told.
 */
final class Route53ApiStandIn implements AutoCloseable {

    private static final String NS = "https://route53.amazonaws.com/doc/2013-04-01/";

    private final String accessKeyId;
    private final String zoneName;
    private final Dns01Responder dns;
    private final HttpServer server;
    /** The TXT sets of the public zone: name to TTL and values. */
    final Map<String, List<String>> sets = new ConcurrentHashMap<>();
    private final Map<String, Long> ttls = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> changes = new ConcurrentHashMap<>();
    final List<String> calls = new CopyOnWriteArrayList<>();

    Route53ApiStandIn(String accessKeyId, String zoneName, Dns01Responder dns) throws IOException {
        this.accessKeyId = accessKeyId;
        this.zoneName = zoneName;
        this.dns = dns;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/2013-04-01/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8)
                    .substring("/2013-04-01/".length());
            var query = query(exchange.getRequestURI().getRawQuery());
            var method = exchange.getRequestMethod();
            calls.add(method + " " + path.replaceAll("/+$", ""));
            var authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/")) {
                error(exchange, 403, "InvalidClientTokenId", "The security token included in the request is invalid.");
                return;
            }
            if (method.equals("GET") && path.equals("hostedzonesbyname")) {
                var zones = new StringBuilder();
                if (zoneName.equals(query.get("dnsname"))) {
                    zones.append(zone("ZPRIVATE", true)).append(zone("ZPUBLIC", false));
                }
                reply(exchange, 200, "<ListHostedZonesByNameResponse xmlns=\"" + NS + "\"><HostedZones>" + zones
                        + "</HostedZones><DNSName>" + query.get("dnsname") + "</DNSName><IsTruncated>false"
                        + "</IsTruncated><MaxItems>" + query.get("maxitems") + "</MaxItems>"
                        + "</ListHostedZonesByNameResponse>");
            } else if (path.startsWith("hostedzone/") && !path.startsWith("hostedzone/ZPUBLIC/")) {
                error(exchange, 404, "NoSuchHostedZone", "No hosted zone found with ID: " + path.split("/")[1]);
            } else if (method.equals("GET") && path.startsWith("hostedzone/ZPUBLIC/rrset")) {
                var name = query.get("name");
                var values = sets.get(name);
                var set = values == null || !"TXT".equals(query.get("type")) ? "" : recordSet(name, ttls.get(name),
                        values);
                reply(exchange, 200, "<ListResourceRecordSetsResponse xmlns=\"" + NS + "\"><ResourceRecordSets>" + set
                        + "</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>1</MaxItems>"
                        + "</ListResourceRecordSetsResponse>");
            } else if (method.equals("POST") && path.startsWith("hostedzone/ZPUBLIC/rrset")) {
                change(exchange);
            } else if (method.equals("GET") && path.startsWith("change/")) {
                var id = path.substring(path.lastIndexOf('/') + 1);
                var polls = changes.get(id);
                if (polls == null) {
                    error(exchange, 404, "NoSuchChange", "No change with ID " + id);
                    return;
                }
                reply(exchange, 200, "<GetChangeResponse xmlns=\"" + NS + "\">" + changeInfo(id,
                        polls.incrementAndGet() < 2 ? "PENDING" : "INSYNC") + "</GetChangeResponse>");
            } else {
                error(exchange, 404, "NotFound", "No route for " + method + " " + path);
            }
        } catch (Exception e) {
            error(exchange, 500, "InternalError", e.toString());
        }
    }

    private void change(HttpExchange exchange) throws Exception {
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(exchange.getRequestBody().readAllBytes()));
        var change = (Element) document.getElementsByTagName("Change").item(0);
        var action = text(change, "Action");
        var set = (Element) change.getElementsByTagName("ResourceRecordSet").item(0);
        var name = text(set, "Name");
        var ttl = Long.parseLong(text(set, "TTL"));
        var values = new ArrayList<String>();
        var records = set.getElementsByTagName("Value");
        for (int i = 0; i < records.getLength(); i++) {
            values.add(records.item(i).getTextContent());
        }
        var before = sets.getOrDefault(name, List.of());
        if (action.equals("DELETE")) {
            if (!before.equals(values) || !Long.valueOf(ttl).equals(ttls.get(name))) {
                error(exchange, 400, "InvalidChangeBatch", "[Tried to delete resource record set [name='" + name
                        + "', type='TXT'] but the values provided do not match the current values]");
                return;
            }
            sets.remove(name);
            ttls.remove(name);
            values = new ArrayList<>();
        } else if (action.equals("UPSERT")) {
            sets.put(name, List.copyOf(values));
            ttls.put(name, ttl);
        } else {
            error(exchange, 400, "InvalidChangeBatch", "unexpected action " + action);
            return;
        }
        for (var value : values) {
            if (!before.contains(value)) {
                dns.publish(name, unquote(value));
            }
        }
        for (var value : before) {
            if (!values.contains(value)) {
                dns.remove(name, unquote(value));
            }
        }
        var id = "C" + (changes.size() + 1);
        changes.put(id, new AtomicInteger());
        reply(exchange, 200, "<ChangeResourceRecordSetsResponse xmlns=\"" + NS + "\">" + changeInfo(id, "PENDING")
                + "</ChangeResourceRecordSetsResponse>");
    }

    private String zone(String id, boolean privateZone) {
        return "<HostedZone><Id>/hostedzone/" + id + "</Id><Name>" + zoneName + "</Name><CallerReference>" + id
                + "</CallerReference><Config><PrivateZone>" + privateZone + "</PrivateZone></Config>"
                + "<ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>";
    }

    private static String recordSet(String name, long ttl, List<String> values) {
        var records = new StringBuilder();
        for (var value : values) {
            records.append("<ResourceRecord><Value>").append(value).append("</Value></ResourceRecord>");
        }
        return "<ResourceRecordSet><Name>" + name.replace("*", "\\052") + "</Name><Type>TXT</Type><TTL>" + ttl
                + "</TTL><ResourceRecords>" + records + "</ResourceRecords></ResourceRecordSet>";
    }

    private static String changeInfo(String id, String status) {
        return "<ChangeInfo><Id>/change/" + id + "</Id><Status>" + status + "</Status><SubmittedAt>" + Instant.now()
                + "</SubmittedAt></ChangeInfo>";
    }

    private static String text(Element element, String tag) {
        return element.getElementsByTagName(tag).item(0).getTextContent();
    }

    private static String unquote(String value) {
        if (!value.startsWith("\"") || !value.endsWith("\"")) {
            throw new IllegalArgumentException("Route 53 wants TXT values in quotes, got " + value);
        }
        return value.substring(1, value.length() - 1);
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        reply(exchange, status, "<ErrorResponse xmlns=\"" + NS + "\"><Error><Type>Sender</Type><Code>" + code
                + "</Code><Message>" + message + "</Message></Error><RequestId>stand-in</RequestId></ErrorResponse>");
    }

    private static void reply(HttpExchange exchange, int status, String xml) throws IOException {
        var bytes = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + xml).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.getResponseHeaders().set("x-amzn-RequestId", "stand-in");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static Map<String, String> query(String raw) {
        var result = new HashMap<String, String>();
        if (raw != null) {
            for (var pair : raw.split("&")) {
                var equals = pair.indexOf('=');
                if (equals > 0) {
                    result.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return result;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
