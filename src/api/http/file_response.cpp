#include "api/http/file_response.hpp"

#include <sys/stat.h>

#include <boost/beast/http/empty_body.hpp>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "api/http/byte_range.hpp"
#include "api/http/conditional.hpp"
#include "api/http/error_codes.hpp"
#include "api/http/file_slice_body.hpp"
#include "api/http/responses.hpp"
#include "common/error_codes.hpp"

namespace vidserve::api::http {
namespace {

struct FileFacts {
  std::uint64_t size = 0;
  std::time_t mtime = 0;
  std::string etag;           // quoted
  std::string last_modified;  // HTTP date
  HeaderList extra;           // the caller's fields, on every answer
};

std::string default_etag(const struct stat& st) {
  const auto ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u +
                  static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  char buf[48];
  std::snprintf(buf, sizeof buf, "\"%" PRIx64 "-%" PRIx64 "\"",
                static_cast<std::uint64_t>(st.st_size), ns);
  return buf;
}

// Facts about the open file, or nullopt when it is not a regular file.
std::optional<FileFacts> file_facts(const beast::file& file, std::optional<std::string> etag) {
  struct stat st {};
  if (::fstat(file.native_handle(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  FileFacts facts;
  facts.size = static_cast<std::uint64_t>(st.st_size);
  facts.mtime = st.st_mtim.tv_sec;
  facts.etag = etag ? quote_etag(*etag) : default_etag(st);
  facts.last_modified = format_http_date(facts.mtime);
  return facts;
}

template <class Body>
void set_common(bhttp::response<Body>& res, const Request& req, const FileFacts& facts) {
  res.set(bhttp::field::server, kServerName);
  res.set(bhttp::field::etag, facts.etag);
  res.set(bhttp::field::last_modified, facts.last_modified);
  res.set(bhttp::field::accept_ranges, "bytes");
  // Served files are media, never pages: no type guessing, no scripts, no same-origin access.
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy", "sandbox; default-src 'none'");
  for (const auto& [name, value] : facts.extra) res.set(name, value);
  res.keep_alive(req.keep_alive());
}

bool not_modified(const Request& req, const FileFacts& facts) {
  const auto inm = req[bhttp::field::if_none_match];
  if (!inm.empty()) return none_match_hits(inm, facts.etag);
  const auto ims = req[bhttp::field::if_modified_since];
  if (ims.empty()) return false;
  const auto since = parse_http_date(ims);
  return since && facts.mtime <= *since;
}

RangeRequest requested_range(const Request& req, const FileFacts& facts) {
  const auto range = req[bhttp::field::range];
  if (range.empty() || req.method() != bhttp::verb::get) return {};
  const auto if_range = req[bhttp::field::if_range];
  if (!if_range.empty() && !if_range_holds(if_range, facts.etag, facts.mtime)) return {};
  return parse_range(range, facts.size);
}

bhttp::message_generator unsatisfiable(const Request& req, const FileFacts& facts) {
  bhttp::response<bhttp::string_body> res{bhttp::status::range_not_satisfiable, req.version()};
  set_common(res, req, facts);
  res.set(bhttp::field::content_range, "bytes */" + std::to_string(facts.size));
  res.set(bhttp::field::content_type, "application/json");
  res.body() =
      error_json(errc::kRangeNotSatisfiable, "the range starts beyond the end of the " +
                                                 std::to_string(facts.size) + "-byte file");
  res.prepare_payload();
  return res;
}

bhttp::message_generator headers_only(const Request& req, const FileFacts& facts,
                                      bhttp::status status) {
  bhttp::response<bhttp::empty_body> res{status, req.version()};
  set_common(res, req, facts);
  return res;
}

}  // namespace

bhttp::message_generator file_response(const Request& req, const std::string& path,
                                       std::string_view content_type,
                                       std::optional<std::string> etag, const HeaderList& extra,
                                       Answered* answered) {
  Answered ignored;
  auto& note = answered ? *answered : ignored;
  const bool head = req.method() == bhttp::verb::head;
  if (!head && req.method() != bhttp::verb::get) {
    bhttp::response<bhttp::string_body> res{bhttp::status::method_not_allowed, req.version()};
    res.set(bhttp::field::server, kServerName);
    res.set(bhttp::field::allow, "GET, HEAD");
    res.set(bhttp::field::content_type, "application/json");
    res.body() = error_json(errc::kMethodNotAllowed, "only GET and HEAD are allowed here");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    note = {405, res.body().size()};
    return res;
  }
  beast::error_code ec;
  beast::file file;
  file.open(path.c_str(), beast::file_mode::scan, ec);
  auto facts = ec ? std::nullopt : file_facts(file, std::move(etag));
  if (!facts) {
    auto body = error_json(vidserve::errc::kNotFound, "file not found");
    note = {404, head ? 0 : body.size()};
    return json_response(req, bhttp::status::not_found, std::move(body), extra);
  }
  facts->extra = extra;

  if (not_modified(req, *facts)) {
    note = {304, 0};
    return headers_only(req, *facts, bhttp::status::not_modified);
  }
  const RangeRequest range = requested_range(req, *facts);
  if (range.kind == RangeRequest::Kind::unsatisfiable) {
    note = {416, 0};
    return unsatisfiable(req, *facts);
  }

  const bool partial = range.kind == RangeRequest::Kind::satisfiable;
  const ByteRange slice = partial ? range.range : ByteRange{0, facts->size};
  const auto status = partial ? bhttp::status::partial_content : bhttp::status::ok;
  bhttp::response<FileSliceBody> res{status, req.version()};
  set_common(res, req, *facts);
  res.set(bhttp::field::content_type, content_type);
  if (partial) {
    res.set(bhttp::field::content_range, "bytes " + std::to_string(slice.first) + "-" +
                                             std::to_string(slice.last()) + "/" +
                                             std::to_string(facts->size));
  }
  note = {static_cast<int>(status), head ? 0 : slice.length};
  if (head) {
    bhttp::response<bhttp::empty_body> head_res{std::move(res.base())};
    head_res.content_length(slice.length);
    return head_res;
  }
  res.body() = FileSliceBody::value_type{std::move(file), slice.first, slice.length};
  res.prepare_payload();
  return res;
}

}  // namespace vidserve::api::http
