#include "fetch/s3_xml.hpp"

#include <cstdint>

#include "fetch/error_codes.hpp"

namespace vidserve::fetch {

namespace {

constexpr std::size_t kMaxErrorMessage = 300;

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// "#65", "#x41": the code point, or nullopt when it is not a valid character reference.
std::optional<std::uint32_t> char_reference(std::string_view ref) {
  if (ref.size() < 2 || ref[0] != '#') return std::nullopt;
  const bool hex = ref[1] == 'x' || ref[1] == 'X';
  const auto digits = ref.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return std::nullopt;
  std::uint32_t cp = 0;
  for (const char c : digits) {
    std::uint32_t d = 0;
    if (c >= '0' && c <= '9') {
      d = static_cast<std::uint32_t>(c - '0');
    } else if (hex && c >= 'a' && c <= 'f') {
      d = static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (hex && c >= 'A' && c <= 'F') {
      d = static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    cp = cp * (hex ? 16 : 10) + d;
  }
  if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
  return cp;
}

// Element text with its entities decoded; nullopt for an unknown or unterminated entity.
std::optional<std::string> decode_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const auto end = text.find(';', i);
    if (end == std::string_view::npos || end - i > 12) return std::nullopt;
    const auto name = text.substr(i + 1, end - i - 1);
    if (name == "amp") {
      out.push_back('&');
    } else if (name == "lt") {
      out.push_back('<');
    } else if (name == "gt") {
      out.push_back('>');
    } else if (name == "quot") {
      out.push_back('"');
    } else if (name == "apos") {
      out.push_back('\'');
    } else if (const auto cp = char_reference(name)) {
      append_utf8(out, *cp);
    } else {
      return std::nullopt;
    }
    i = end;
  }
  return out;
}

// The raw content of the first <tag ...>...</tag> (attributes allowed, <tag/> is empty) from
// `from`; `next` is set past its end.
std::optional<std::string_view> element(std::string_view xml, std::string_view tag,
                                        std::size_t from, std::size_t* next = nullptr) {
  const std::string open = "<" + std::string(tag);
  for (auto start = xml.find(open, from); start != std::string_view::npos;
       start = xml.find(open, start + 1)) {
    const auto after = start + open.size();
    if (after >= xml.size()) return std::nullopt;
    const char c = xml[after];
    if (c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\r' && c != '\n') continue;
    const auto tag_end = xml.find('>', after);
    if (tag_end == std::string_view::npos) return std::nullopt;
    if (xml[tag_end - 1] == '/') {
      if (next != nullptr) *next = tag_end + 1;
      return xml.substr(tag_end, 0);
    }
    const std::string close = "</" + std::string(tag) + ">";
    const auto end = xml.find(close, tag_end + 1);
    if (end == std::string_view::npos) return std::nullopt;
    if (next != nullptr) *next = end + close.size();
    return xml.substr(tag_end + 1, end - tag_end - 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> xml_element_text(std::string_view xml, std::string_view tag) {
  const auto raw = element(xml, tag, 0);
  if (!raw || raw->find('<') != std::string_view::npos) return std::nullopt;
  return decode_text(*raw);
}

S3ErrorBody parse_s3_error(std::string_view xml) {
  S3ErrorBody error;
  const auto body = element(xml, "Error", 0);
  if (!body) return error;
  error.code = xml_element_text(*body, "Code").value_or("");
  error.message = xml_element_text(*body, "Message").value_or("");
  if (error.message.size() > kMaxErrorMessage) error.message.resize(kMaxErrorMessage);
  return error;
}

Result<S3ListPage> parse_s3_list_page(std::string_view xml) {
  const auto body = element(xml, "ListBucketResult", 0);
  if (!body) {
    return Error{errc::kObjectStoreFailed, "the object store's listing is not a ListBucketResult"};
  }
  S3ListPage page;
  std::size_t at = 0;
  std::size_t next = 0;
  while (const auto contents = element(*body, "Contents", at, &next)) {
    auto key = xml_element_text(*contents, "Key");
    if (!key || key->empty()) {
      return Error{errc::kObjectStoreFailed, "the object store listed an object without a key"};
    }
    page.keys.push_back(std::move(*key));
    at = next;
  }
  page.truncated = xml_element_text(*body, "IsTruncated").value_or("false") == "true";
  if (page.truncated) {
    page.next_token = xml_element_text(*body, "NextContinuationToken").value_or("");
    if (page.next_token.empty()) {
      return Error{errc::kObjectStoreFailed,
                   "the object store's listing is truncated but has no continuation token"};
    }
  }
  return page;
}

}  // namespace vidserve::fetch
