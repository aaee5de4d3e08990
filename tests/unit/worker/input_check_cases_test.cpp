// Data-driven cases from tests/data/input_check_cases.json: an input made with the ffmpeg CLI is
// checked for its role against a model of the built-in catalog; either it passes (with its measured
// length) or the error has the expected code and says what is wrong, without a file path.
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "catalog/catalog.hpp"
#include "data_cases.hpp"
#include "worker/input_check.hpp"

namespace vidserve::worker {
namespace {

namespace json = boost::json;

using Case = test::DataCase;

std::vector<Case> load_cases() { return test::load_data_cases(VIDSERVE_TEST_DATA "/input_check_cases.json"); }

bool run(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

bool have_ffmpeg() {
  static const bool found = run("command -v ffmpeg >/dev/null 2>&1");
  return found;
}

double number(const json::object& o, const char* key, double fallback) {
  const auto* v = o.if_contains(key);
  return v ? v->to_number<double>() : fallback;
}

std::string text_of(const json::object& o, const char* key, const char* fallback) {
  const auto* v = o.if_contains(key);
  return v ? std::string(v->as_string()) : fallback;
}

std::string num(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// The ffmpeg command that writes the case's input to `base` + its extension; the extension is returned in `ext`.
std::string command_for(const json::object& input, const std::string& base, std::string& ext) {
  const std::string ffmpeg = "ffmpeg -v error -y ";
  if (const auto* image = input.if_contains("image")) {
    const auto& o = image->as_object();
    ext = text_of(o, "format", "png") == "jpeg" ? ".jpg" : ".png";
    return ffmpeg + "-f lavfi -i color=c=orange:s=" + num(number(o, "width", 0)) + "x" + num(number(o, "height", 0)) +
           " -frames:v 1 " + base + ext;
  }
  if (const auto* video = input.if_contains("video")) {
    const auto& o = video->as_object();
    const bool webm = text_of(o, "container", "mp4") == "webm";
    const auto seconds = num(number(o, "seconds", 2));
    ext = webm ? ".webm" : ".mp4";
    std::string cmd = ffmpeg + "-f lavfi -i testsrc2=s=" + num(number(o, "width", 0)) + "x" +
                      num(number(o, "height", 0)) + ":r=" + num(number(o, "fps", 12)) + ":d=" + seconds;
    if (o.at("audio").as_bool()) cmd += " -f lavfi -i sine=f=440:d=" + seconds;
    cmd += webm ? " -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus"
                : " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac";
    // Written to a pipe, a WebM file has no duration in its header (as from a live recorder).
    const auto* streamed = o.if_contains("streamed");
    if (streamed && streamed->as_bool()) return cmd + " -shortest -f webm - > " + base + ext;
    return cmd + " -shortest " + base + ext;
  }
  const auto& o = input.at("audio").as_object();
  const auto format = text_of(o, "format", "wav");
  ext = format == "m4a" ? ".m4a" : "." + format;
  return ffmpeg + "-f lavfi -i sine=f=440:d=" + num(number(o, "seconds", 2)) + " -ar " +
         num(number(o, "rate", 16000)) + " -ac " + num(number(o, "channels", 1)) + " " + base + ext;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class InputCheckCases : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vidserve-input-check-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // The case's input: its bytes in memory, or in a spool file.
  fetch::Blob make_input(const json::object& spec) {
    const auto& input = spec.at("input").as_object();
    std::string bytes;
    if (const auto* t = input.if_contains("text")) {
      bytes = std::string(t->as_object().at("text").as_string());
    } else {
      std::string ext;
      const auto base = (dir_ / "input").string();
      const auto command = command_for(input, base, ext);
      EXPECT_TRUE(run(command)) << command;
      bytes = read_file(base + ext);
    }
    const auto* spool = spec.if_contains("spool");
    if (!spool || !spool->as_bool()) return fetch::Blob{std::move(bytes), "application/octet-stream"};
    const auto path = (dir_ / ".spool-input").string();
    std::ofstream(path, std::ios::binary) << bytes;
    return fetch::Blob{{}, "application/octet-stream", std::make_shared<fetch::SpoolFile>(path, bytes.size())};
  }

  std::filesystem::path dir_;
};

TEST(InputCheckCasesFile, CoversEveryKindOfInputAndFailure) {
  const auto cases = load_cases();
  EXPECT_GE(cases.size(), 35u);
  int passing = 0;
  for (const auto& c : cases) passing += c.spec.at("expect").is_string();
  EXPECT_GE(passing, 10);
  EXPECT_GE(static_cast<int>(cases.size()) - passing, 20);
}

TEST_P(InputCheckCases, PassesOrNamesWhatIsWrong) {
  if (!have_ffmpeg()) {
    GTEST_SKIP() << "no ffmpeg";
  }
  const auto& spec = GetParam().spec;
  const catalog::Model* model = nullptr;
  if (const auto& air = spec.at("model"); !air.is_null()) {
    model = catalog::Catalog::builtin().find(air.as_string());
    ASSERT_NE(model, nullptr) << "no model " << air.as_string() << " in the catalog";
  }
  const auto blob = make_input(spec);
  const auto seconds = check_input_seconds(std::string(spec.at("role").as_string()), blob, model);
  const auto& expect = spec.at("expect");
  if (expect.is_string()) {
    ASSERT_TRUE(seconds) << seconds.error().code << ": " << seconds.error().message;
    if (const auto* want = spec.if_contains("seconds")) {
      EXPECT_NEAR(*seconds, want->to_number<double>(), 0.1);
    }
    return;
  }
  ASSERT_FALSE(seconds) << "passed, measured " << *seconds << " s";
  EXPECT_EQ(seconds.error().code, expect.at("code").as_string()) << seconds.error().message;
  // "message": a part of the message, or a list of parts of which one must appear.
  const auto& parts = expect.at("message");
  bool found = false;
  for (const auto& part : parts.is_array() ? parts.as_array() : json::array{parts}) {
    found = found || seconds.error().message.find(part.as_string()) != std::string::npos;
  }
  EXPECT_TRUE(found) << seconds.error().message;
  EXPECT_EQ(seconds.error().message.find(dir_.string()), std::string::npos) << "a path in the message";
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) {
  std::string name;
  for (char c : param.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Data, InputCheckCases, ::testing::ValuesIn(load_cases()), case_name);

}  // namespace
}  // namespace vidserve::worker
