#include "fetch/data_uri.hpp"

#include "common/text.hpp"
#include "fetch/base64.hpp"
#include "fetch/content_sniff.hpp"
#include "fetch/error_codes.hpp"

namespace vidserve::fetch {
namespace {

constexpr std::string_view kForm = "data:<type>/<subtype>[;base64],<data>";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = text::ascii_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

Error bad(std::string message) {
  return Error{errc::kInvalidDataUri, std::move(message)};
}

}  // namespace

bool is_data_uri(std::string_view text) {
  return text::istarts_with(text, "data:");
}

Result<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return bad("malformed percent escape at offset " + std::to_string(i) +
                 "; use %XX with two hex digits.");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<Blob> decode_data_uri(std::string_view uri) {
  if (!is_data_uri(uri))
    return bad("a data URI starts with \"data:\"; expected " + std::string(kForm) + ".");
  const auto comma = uri.find(',');
  if (comma == std::string_view::npos) {
    return bad("the data URI has no ',' before its data; expected " + std::string(kForm) + ".");
  }
  std::string_view header = uri.substr(5, comma - 5);
  const std::string_view data = uri.substr(comma + 1);

  bool base64 = false;
  const auto semi = header.find(';');
  const std::string_view media = text::trim_blanks(header.substr(0, semi));
  std::string_view params =
      semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
  while (!params.empty()) {
    const auto next = params.find(';');
    const std::string_view param = text::trim_blanks(params.substr(0, next));
    const bool last = next == std::string_view::npos;
    if (text::iequals(param, "base64")) {
      if (!last)
        return bad("\";base64\" must be the last parameter of a data URI, just before ','.");
      base64 = true;
    } else if (param.find('=') == std::string_view::npos || param.front() == '=') {
      return bad("data URI parameter '" + std::string(param) +
                 "' is not attribute=value or base64.");
    }
    params = last ? std::string_view{} : params.substr(next + 1);
  }

  std::string content_type;
  if (!media.empty()) {
    content_type = normalize_content_type(media);
    if (content_type.empty()) {
      return bad("data URI media type '" + std::string(media) + "' is not <type>/<subtype>.");
    }
  }

  auto unescaped = percent_decode(data);
  if (!unescaped) return unescaped.error();
  Blob blob;
  if (base64) {
    auto bytes = decode_base64(*unescaped);
    if (!bytes) return Error{bytes.error().code, "data URI payload: " + bytes.error().message};
    blob.bytes = std::move(bytes).value();
  } else {
    blob.bytes = std::move(unescaped).value();
  }
  if (content_type.empty()) content_type = sniff_content_type(blob.bytes);
  blob.content_type = content_type.empty() ? "application/octet-stream" : std::move(content_type);
  return blob;
}

}  // namespace vidserve::fetch
