#include "fetch/content_sniff.hpp"

#include <algorithm>
#include <cstdint>

namespace vidserve::fetch {
namespace {

bool at(std::string_view bytes, std::size_t offset, std::string_view magic) {
  return bytes.size() >= offset + magic.size() && bytes.substr(offset, magic.size()) == magic;
}

std::uint8_t byte(std::string_view bytes, std::size_t i) {
  return static_cast<std::uint8_t>(bytes[i]);
}

// An MPEG audio frame header: 11 sync bits, then a valid version, layer, bitrate and rate.
bool mpeg_audio_frame(std::string_view b) {
  if (b.size() < 4 || byte(b, 0) != 0xFF || (byte(b, 1) & 0xE0) != 0xE0) return false;
  const int version = (byte(b, 1) >> 3) & 3;  // 1 is reserved
  const int layer = (byte(b, 1) >> 1) & 3;    // 0 is reserved
  const int bitrate = byte(b, 2) >> 4;        // 15 is invalid
  const int rate = (byte(b, 2) >> 2) & 3;     // 3 is reserved
  return version != 1 && layer != 0 && bitrate != 15 && rate != 3;
}

// ADTS (raw AAC): sync, MPEG-2/4 and layer bits 00.
bool adts_frame(std::string_view b) {
  return b.size() >= 7 && byte(b, 0) == 0xFF && (byte(b, 1) & 0xF6) == 0xF0 &&
         ((byte(b, 2) >> 2) & 0xF) < 13;
}

std::string iso_bmff(std::string_view b) {
  const std::string_view brand = b.substr(8, 4);
  if (brand == "qt  ") return "video/quicktime";
  if (brand == "M4A " || brand == "M4B ") return "audio/mp4";
  if (brand == "avif" || brand == "avis") return "image/avif";
  if (brand == "heic" || brand == "heix" || brand == "mif1" || brand == "msf1") return "image/heic";
  return "video/mp4";
}

std::string ebml(std::string_view b) {
  // The DocType element (0x42 0x82) sits in the EBML header at the very start.
  const std::string_view head = b.substr(0, std::min<std::size_t>(b.size(), 64));
  if (head.find("matroska") != std::string_view::npos) return "video/x-matroska";
  return "video/webm";
}

}  // namespace

std::string sniff_content_type(std::string_view b) {
  if (at(b, 0, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (at(b, 0, "\xFF\xD8\xFF")) return "image/jpeg";
  if (at(b, 0, "GIF87a") || at(b, 0, "GIF89a")) return "image/gif";
  if (at(b, 0, "RIFF") && at(b, 8, "WEBP")) return "image/webp";
  if (at(b, 0, "RIFF") && at(b, 8, "WAVE")) return "audio/wav";
  if (at(b, 0, "RIFF") && at(b, 8, "AVI ")) return "video/x-msvideo";
  if (at(b, 4, "ftyp") && b.size() >= 12) return iso_bmff(b);
  if (at(b, 0, "\x1A\x45\xDF\xA3")) return ebml(b);
  if (at(b, 0, "OggS")) {
    const std::string_view page = b.substr(0, std::min<std::size_t>(b.size(), 64));
    return page.find("theora") != std::string_view::npos ? "video/ogg" : "audio/ogg";
  }
  if (at(b, 0, "fLaC")) return "audio/flac";
  if (at(b, 0, "ID3") || mpeg_audio_frame(b)) return "audio/mpeg";
  if (adts_frame(b)) return "audio/aac";
  return "";
}

std::string normalize_content_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  const auto slash = value.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == value.size()) return "";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("!#$&-^_.+/").find(c) != std::string_view::npos;
    if (!token) return "";
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  if (out.find('/', slash + 1) != std::string::npos) return "";
  return out;
}

}  // namespace vidserve::fetch
