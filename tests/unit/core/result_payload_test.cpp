// core::ResultPayload, the text the store keeps for each result: every field, the engine's notes
// included, comes back from encode -> decode; a value cannot break out of its line.
#include "core/result_payload.hpp"

#include <gtest/gtest.h>

namespace vidserve::core {
namespace {

ResultPayload full_payload() {
  ResultPayload p;
  p.content_type = "video/mp4";
  p.seed = 18446744073709551615ULL;
  p.cost_micros = 185'000;
  p.width = 1280;
  p.height = 720;
  p.duration_s = 5.25;
  p.engine = "preview";
  p.upload_url = "https://bucket.example/out.mp4?X-Amz-Signature=ab%3D&x=1";
  p.notes = {"inputs.frameImages[0].image: 720x1280 letterboxed to 1280x720",
             "inputs.audio: 3.2 s; the video lasts 3.2 s"};
  return p;
}

TEST(ResultPayload, EveryFieldComesBack) {
  const auto p = full_payload();
  const auto back = decode_result_payload(encode(p));
  EXPECT_EQ(back.content_type, p.content_type);
  EXPECT_EQ(back.seed, p.seed);
  EXPECT_EQ(back.cost_micros, p.cost_micros);
  EXPECT_EQ(back.width, 1280);
  EXPECT_EQ(back.height, 720);
  EXPECT_DOUBLE_EQ(back.duration_s, 5.25);
  EXPECT_EQ(back.engine, "preview");
  EXPECT_EQ(back.upload_url, p.upload_url);  // '=' inside a value stays
  EXPECT_EQ(back.notes, p.notes);            // in order
  EXPECT_TRUE(back.error_code.empty());
}

TEST(ResultPayload, NotesAreOneLineEachAndAbsentWhenNone) {
  auto p = full_payload();
  p.notes = {"first\nsecond\rthird", "note=with an equals sign", ""};
  const auto text = encode(p);
  const auto back = decode_result_payload(text);
  ASSERT_EQ(back.notes.size(), 3u);
  EXPECT_EQ(back.notes[0], "first second third");  // a line break cannot start a forged key
  EXPECT_EQ(back.notes[1], "note=with an equals sign");
  EXPECT_EQ(back.notes[2], "");
  EXPECT_EQ(back.error_code, "");

  p.notes.clear();
  EXPECT_EQ(encode(p).find("note="), std::string::npos);
  EXPECT_TRUE(decode_result_payload(encode(p)).notes.empty());
}

TEST(ResultPayload, AForgedLineInANoteIsNotAKey) {
  auto p = full_payload();
  p.notes = {"harmless\nerror_code=forged"};
  const auto back = decode_result_payload(encode(p));
  EXPECT_TRUE(back.error_code.empty());
  EXPECT_EQ(back.notes, std::vector<std::string>{"harmless error_code=forged"});
}

TEST(ResultPayload, AnErrorWithItsParameterComesBack) {
  ResultPayload p;
  p.error_code = "invalidAudio";
  p.error_message = "the file has no audio stream";
  p.error_parameter = "inputs.audio";
  const auto back = decode_result_payload(encode(p));
  EXPECT_EQ(back.error_code, "invalidAudio");
  EXPECT_EQ(back.error_message, p.error_message);
  EXPECT_EQ(back.error_parameter, "inputs.audio");
  EXPECT_FALSE(back.cost_micros);
  EXPECT_TRUE(back.notes.empty());
}

// A payload stored before notes existed, or with keys a later version adds, still reads.
TEST(ResultPayload, OlderAndNewerTextReads) {
  const auto back = decode_result_payload(
      "content_type=image/jpeg\nseed=7\nwidth=1024\nheight=1024\nduration_s=0\nengine=kling\n"
      "some_future_key=1\nno equals sign here\n");
  EXPECT_EQ(back.content_type, "image/jpeg");
  EXPECT_EQ(back.seed, 7u);
  EXPECT_EQ(back.engine, "kling");
  EXPECT_TRUE(back.notes.empty());
}

}  // namespace
}  // namespace vidserve::core
