// URL parsing and the resolve pin. Every host here is an IP literal, a numeric form that
// getaddrinfo parses without DNS, or "localhost" (from /etc/hosts): no name server is asked.
#include "fetch/url_target.hpp"

#include <gtest/gtest.h>

namespace vidserve::fetch {
namespace {

TEST(UrlTarget, ParsesHttpAndHttpsUrls) {
  auto t = parse_url_target("HTTPS://user:pw@Example.COM:8443/a/b?token=s#frag");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->host, "example.com");
  EXPECT_FALSE(t->host_is_literal);
  EXPECT_EQ(t->port, 8443);
  EXPECT_EQ(t->url, "HTTPS://user:pw@Example.COM:8443/a/b?token=s");
  EXPECT_EQ(t->display, "HTTPS://Example.COM:8443/a/b");  // no credentials, no query

  t = parse_url_target("http://[::1]/");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->host_is_literal);
  EXPECT_EQ(t->port, 80);
  ASSERT_EQ(t->addresses.size(), 1u);
  EXPECT_EQ(t->addresses[0].to_string(), "::1");

  t = parse_url_target("https://203.0.113.7");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->port, 443);
  EXPECT_EQ(t->display, "https://203.0.113.7/");
}

TEST(UrlTarget, RejectsWhatIsNotAnHttpUrl) {
  for (const char* url : {"", "relative/path", "file:///etc/passwd", "javascript:alert(1)",
                          "ws://127.0.0.1/", "http://[v1.x]/", "http://exa%6Dple.com/",
                          "http://127.0.0.1:0/", "http://127.0.0.1:123456/", "http://a b/"}) {
    auto t = parse_url_target(url);
    ASSERT_FALSE(t) << url;
    EXPECT_EQ(t.error().code, "invalidUrl") << url;
  }
}

TEST(UrlTarget, RefusesEveryLoopbackSpellingByDefault) {
  const AddressGuard guard;
  for (const char* url :
       {"http://127.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/", "http://2130706433/", "http://0x7f.0.0.1/",
        "http://017700000001/", "http://127.1/", "http://localhost/", "http://0.0.0.0/",
        "http://[::]/", "http://169.254.169.254/", "http://[fd00::1]/"}) {
    auto t = resolve_url_target(url, guard);
    ASSERT_FALSE(t) << url;
    EXPECT_EQ(t.error().code, "addressRefused") << url << ": " << t.error().message;
  }
}

TEST(UrlTarget, ResolvesNamesAndBuildsThePin) {
  const auto guard = AddressGuard::with_allow_list("127.0.0.0/8,::1/128").value();
  auto t = resolve_url_target("http://localhost:8080/x", guard);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_FALSE(t->addresses.empty());
  EXPECT_EQ(curl_resolve_entry(*t).rfind("localhost:8080:", 0), 0u) << curl_resolve_entry(*t);

  UrlTarget manual;
  manual.host = "media.example";
  manual.port = 443;
  manual.addresses = {boost::asio::ip::make_address("203.0.113.5"),
                      boost::asio::ip::make_address("2001:db8::5")};
  EXPECT_EQ(curl_resolve_entry(manual), "media.example:443:203.0.113.5,[2001:db8::5]");
}

}  // namespace
}  // namespace vidserve::fetch
