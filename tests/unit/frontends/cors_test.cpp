// CorsPolicy: which origins parse, how they match, the headers of answers and preflights.
#include "api/cors.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

namespace vidserve::api {
namespace {

namespace bhttp = http::bhttp;

CorsPolicy policy(std::vector<std::string> origins) {
  auto parsed = CorsPolicy::parse(origins);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  return parsed ? *parsed : CorsPolicy();
}

http::Request request(bhttp::verb method, std::string_view target, std::string_view origin,
                      std::string_view preflight_method = {}) {
  http::Request req{method, target, 11};
  if (!origin.empty()) req.set(bhttp::field::origin, origin);
  if (!preflight_method.empty()) req.set(bhttp::field::access_control_request_method, preflight_method);
  return req;
}

// The response a message_generator writes, parsed back.
bhttp::response<bhttp::string_body> written(bhttp::message_generator gen) {
  std::string bytes;
  for (;;) {
    boost::system::error_code ec;
    const auto buffers = gen.prepare(ec);
    EXPECT_FALSE(ec);
    std::size_t n = 0;
    for (auto b : buffers) {
      bytes.append(static_cast<const char*>(b.data()), b.size());
      n += b.size();
    }
    gen.consume(n);
    if (gen.is_done()) break;
  }
  bhttp::response_parser<bhttp::string_body> parser;
  boost::system::error_code ec;
  std::string_view rest(bytes);
  while (!rest.empty() && !parser.is_done() && !ec) rest.remove_prefix(parser.put(boost::asio::buffer(rest), ec));
  if (!parser.is_done()) parser.put_eof(ec);
  return parser.release();
}

TEST(Cors, OriginsParseOrAreRefused) {
  for (const char* ok : {"*", "https://app.example.com", "http://localhost:5173", "HTTP://App.Example/", "http://[::1]:8080",
                         " https://x.example "}) {
    EXPECT_TRUE(CorsPolicy::parse({ok})) << ok;
  }
  for (const char* bad : {"app.example.com", "ftp://x.example", "https://", "https://x.example/path",
                          "https://user@x.example", "https://x.example:", "https://x.example:80a", "http://[::1"}) {
    const auto parsed = CorsPolicy::parse({bad});
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, cors_errc::kInvalidCorsOrigin);
  }
  EXPECT_FALSE(CorsPolicy::parse({}).value().enabled());
  EXPECT_FALSE(CorsPolicy::parse({"", " "}).value().enabled());
}

TEST(Cors, AnswersCarryTheOriginOnlyWhenAllowed) {
  const auto cors = policy({"https://App.Example"});
  const auto headers = cors.headers_for(request(bhttp::verb::post, "/v1", "https://app.example"));
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"Access-Control-Allow-Origin", "https://app.example"}));
  EXPECT_EQ(headers[2], (std::pair<std::string, std::string>{"Vary", "Origin"}));
  EXPECT_TRUE(cors.headers_for(request(bhttp::verb::post, "/v1", "https://app.example:443")).empty());
  EXPECT_TRUE(cors.headers_for(request(bhttp::verb::post, "/v1", "https://other.example")).empty());
  EXPECT_TRUE(cors.headers_for(request(bhttp::verb::post, "/v1", "")).empty());
  const auto any = policy({"*"}).headers_for(request(bhttp::verb::get, "/media/x", "null"));
  ASSERT_EQ(any.size(), 2u);  // no Vary with "*"
  EXPECT_EQ(any[0].second, "*");
}

TEST(Cors, PreflightsByRoute) {
  const auto cors = policy({"https://app.example"});
  auto ok = cors.answer_options(request(bhttp::verb::options, "/v1/videos/text2video", "https://app.example", "POST"),
                                "/v1/videos/text2video");
  ASSERT_TRUE(ok);
  const auto res = written(std::move(*ok));
  EXPECT_EQ(res.result(), bhttp::status::no_content);
  EXPECT_EQ(res[bhttp::field::access_control_allow_methods], "GET, POST");
  EXPECT_EQ(res[bhttp::field::access_control_allow_origin], "https://app.example");
  EXPECT_EQ(res[bhttp::field::access_control_max_age], "600");

  auto refused = cors.answer_options(request(bhttp::verb::options, "/v1", "https://evil.example", "POST"), "/v1");
  ASSERT_TRUE(refused);
  const auto no = written(std::move(*refused));
  EXPECT_EQ(no.result(), bhttp::status::forbidden);
  EXPECT_EQ(no.count(bhttp::field::access_control_allow_origin), 0u);
  EXPECT_NE(no.body().find(cors_errc::kOriginNotAllowed), std::string::npos);

  EXPECT_FALSE(cors.answer_options(request(bhttp::verb::options, "/elsewhere", "https://app.example", "GET"), "/elsewhere"));
  EXPECT_EQ(CorsPolicy::route_methods("/media/a.mp4"), std::optional<std::string_view>("GET, HEAD"));
  EXPECT_EQ(CorsPolicy::route_methods("/v1/tasks/t"), std::optional<std::string_view>("GET, POST, DELETE"));
  EXPECT_FALSE(CorsPolicy::route_methods("/v2"));
}

}  // namespace
}  // namespace vidserve::api
