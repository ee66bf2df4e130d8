package dev.sdfarm.gateway.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which webhook URLs the farm will call. Unless private targets are allowed, a URL whose host is, or resolves
 * to, an address inside a network (loopback, link-local such as cloud metadata at 169.254.169.254, RFC 1918,
 * carrier-grade NAT, IPv6 unique-local, unspecified, multicast) is refused, so a tenant cannot make the farm
 * call its own infrastructure. Checked at submission and again before each attempt, since DNS can change.
 */
public final class WebhookUrlPolicy {
    /** Resolves a host name; tests substitute their own. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final boolean allowPrivate;
    private final Resolver resolver;

    public WebhookUrlPolicy(boolean allowPrivate) {
        this(allowPrivate, InetAddress::getAllByName);
    }

    public WebhookUrlPolicy(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    /** Why the URL's shape is unacceptable, or empty; no name resolution. */
    public static Optional<String> shapeProblem(String url) {
        if (url.length() > 2000) {
            return Optional.of("must be an http(s) URL of at most 2000 characters");
        }
        try {
            URI u = new URI(url);
            if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null) {
                return Optional.of("must be an http(s) URL of at most 2000 characters");
            }
            if (u.getRawUserInfo() != null) {
                return Optional.of("must not carry credentials (user:password@)");
            }
            return Optional.empty();
        } catch (java.net.URISyntaxException e) {
            return Optional.of("is not a URL: " + e.getMessage());
        }
    }

    /**
     * Why the farm will not call {@code url}, or empty. A host name that does not resolve is accepted when
     * {@code requireResolvable} is false (at submission DNS may be briefly unavailable; delivery checks again).
     */
    public Optional<String> problem(String url, boolean requireResolvable) {
        Optional<String> shape = shapeProblem(url);
        if (shape.isPresent() || allowPrivate) {
            return shape;
        }
        String host = URI.create(url).getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            return requireResolvable ? Optional.of("host " + host + " does not resolve") : Optional.empty();
        }
        for (InetAddress a : addresses) {
            if (internal(a)) {
                return Optional.of("must not point to a loopback, link-local or private address (" + host
                        + " is " + a.getHostAddress() + ")");
            }
        }
        return Optional.empty();
    }

    /** True for addresses that belong to a network rather than the internet. */
    public static boolean internal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0                                   // "this network"
                    || (first == 100 && (second & 0xc0) == 64)  // 100.64.0.0/10 carrier-grade NAT
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // 192.0.0.0/24 IETF protocol
                    || (first == 198 && (second & 0xfe) == 18)  // 198.18.0.0/15 benchmarking
                    || first >= 240;                            // reserved, broadcast
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {                        // fc00::/7 unique local
                return true;
            }
            // IPv4-compatible / NAT64 forms embedding an internal IPv4 address
            boolean zeroPrefix = true;
            for (int i = 0; i < 12; i++) {
                zeroPrefix &= b[i] == 0;
            }
            boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
                    && (b[3] & 0xff) == 0x9b;
            if (zeroPrefix || nat64) {
                try {
                    return internal(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }
}
