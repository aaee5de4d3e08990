#include "fetch/content_sniff.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vidserve::fetch {
namespace {

using namespace std::literals;

TEST(ContentSniff, RecognisesMagicBytes) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"sv, "image/png"},
      {"\xFF\xD8\xFF\xE0\0\x10JFIF"sv, "image/jpeg"},
      {"\xFF\xD8\xFF\xDB"sv, "image/jpeg"},
      {"GIF89a\x01\0\x01\0"sv, "image/gif"},
      {"GIF87a"sv, "image/gif"},
      {"RIFF\x24\0\0\0WEBPVP8 "sv, "image/webp"},
      {"RIFF\x24\0\0\0WAVEfmt "sv, "audio/wav"},
      {"RIFF\x24\0\0\0AVI LIST"sv, "video/x-msvideo"},
      {"\0\0\0\x18"
       "ftypmp42\0\0\0\0mp42isom"sv,
       "video/mp4"},
      {"\0\0\0\x20"
       "ftypisom\0\0\x02\0"sv,
       "video/mp4"},
      {"\0\0\0\x14"
       "ftypqt  \0\0\x02\0"sv,
       "video/quicktime"},
      {"\0\0\0\x1c"
       "ftypM4A \0\0\0\0"sv,
       "audio/mp4"},
      {"\0\0\0\x1c"
       "ftypavif\0\0\0\0"sv,
       "image/avif"},
      {"\0\0\0\x18"
       "ftypheic\0\0\0\0"sv,
       "image/heic"},
      {"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\x82\x84webm"sv, "video/webm"},
      {"\x1A\x45\xDF\xA3\xA3\x42\x86\x81\x01\x42\x82\x88matroska"sv, "video/x-matroska"},
      {"ID3\x04\0\0\0\0\0\0"sv, "audio/mpeg"},
      {"\xFF\xFB\x90\x64"sv, "audio/mpeg"},             // MPEG-1 layer III frame
      {"\xFF\xF3\x48\xC4"sv, "audio/mpeg"},             // MPEG-2 layer III frame
      {"\xFF\xF1\x50\x80\x02\x1F\xFC"sv, "audio/aac"},  // ADTS
      {"OggS\0\x02\0\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\x01\x1e\x01vorbis"sv, "audio/ogg"},
      {"OggS\0\x02\0\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\x01\x2a\x80theora"sv, "video/ogg"},
      {"fLaC\0\0\0\x22"sv, "audio/flac"},
  };
  for (const auto& [bytes, type] : cases) {
    EXPECT_EQ(sniff_content_type(bytes), type) << "expected " << type;
  }
}

TEST(ContentSniff, UnknownOrTruncatedIsEmpty) {
  const std::string_view cases[] = {
      ""sv,
      "hello world"sv,
      "\x89PN"sv,
      "RIFF"sv,
      "RIFF\x24\0\0\0XXXX"sv,
      "\0\0\0\x18"
      "ftyp"sv,
      "\xFF\xFF\xFF\xFF"sv,  // sync bits but reserved layer/bitrate
      "\xFF\xE9\x90\x64"sv,  // reserved MPEG version
      "{\"json\":true}"sv,
      "<svg xmlns"sv,
  };
  for (const auto bytes : cases) EXPECT_EQ(sniff_content_type(bytes), "") << bytes.size();
}

TEST(ContentSniff, NormalizesContentTypeHeaders) {
  EXPECT_EQ(normalize_content_type("image/PNG"), "image/png");
  EXPECT_EQ(normalize_content_type("  Video/MP4 ; codecs=\"avc1\""), "video/mp4");
  EXPECT_EQ(normalize_content_type("application/vnd.apple.mpegurl"),
            "application/vnd.apple.mpegurl");
  EXPECT_EQ(normalize_content_type(""), "");
  EXPECT_EQ(normalize_content_type("png"), "");
  EXPECT_EQ(normalize_content_type("/png"), "");
  EXPECT_EQ(normalize_content_type("image/"), "");
  EXPECT_EQ(normalize_content_type("image/png/x"), "");
  EXPECT_EQ(normalize_content_type("image/p ng"), "");
}

}  // namespace
}  // namespace vidserve::fetch
