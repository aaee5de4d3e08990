// KlingEngine end to end against a scripted fake of Kling's API on 127.0.0.1 (the fetch tests'
// LoopbackServer): submit, poll with backoff, download, probe; 429 storms, auth failures, failed
// tasks, timeouts, cancellation, the concurrency limit and the new HttpClient calls.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "auth/jwt.hpp"
#include "fetch/base64.hpp"
#include "engine/kling/kling_engine.hpp"
#include "loopback_server.hpp"
#include "media/image_codec.hpp"
#include "media/preview_renderer.hpp"
#include "media/probe.hpp"
#include "test_jobs.hpp"

namespace vidserve::engine {
namespace {

using namespace std::chrono_literals;
using fetch::testing::Connection;
using fetch::testing::http_response;
using fetch::testing::LoopbackServer;
using fetch::testing::RecordedRequest;
using testing_support::make_job;
namespace fs = std::filesystem;
namespace json = boost::json;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class TestProgress final : public Progress {
 public:
  void update(double) override {}
  bool cancelled() const override { return cancel.load(); }
  Status save_provider_state(std::string state) override {
    std::lock_guard lock(mutex);
    saved.push_back(std::move(state));
    return Ok{};
  }
  std::vector<std::string> saved_states() {
    std::lock_guard lock(mutex);
    return saved;
  }
  std::atomic<bool> cancel{false};
  std::mutex mutex;
  std::vector<std::string> saved;
};

// A small real MP4 (320x240, 1 s), made once.
const std::string& sample_mp4() {
  static const std::string bytes = [] {
    const auto path =
        fs::temp_directory_path() / ("kling-test-" + std::to_string(::getpid()) + ".mp4");
    media::PreviewVideoSpec spec;
    spec.width = 320;
    spec.height = 240;
    spec.fps = 24;
    spec.duration_s = 1;
    spec.prompt = "kling test";
    EXPECT_TRUE(media::render_preview_video(spec, path.string()));
    auto data = read_file(path);
    fs::remove(path);
    return data;
  }();
  return bytes;
}

// Scripted Kling: `script` answers each /v1 request; the default plays submitted -> processing
// -> succeed over `polls_until_done` polls and serves the result at /result.*
struct FakeKling {
  std::mutex mutex;
  int polls_until_done = 2;
  std::map<std::string, int> polls;  // per task id
  std::vector<std::string> log;      // "POST /v1/videos/text2video", ...
  std::function<std::optional<std::string>(const RecordedRequest&, int index)> script;
  std::string final_status = "succeed";
  std::string result_path = "/result.mp4";
  std::string result_bytes;
  std::string result_type = "video/mp4";
  LoopbackServer server{[this](const RecordedRequest& r, Connection& c) { c.send(answer(r)); }};

  static std::string envelope(const std::string& data) {
    return R"({"code":0,"message":"SUCCEED","request_id":"rq","data":)" + data + "}";
  }

  std::string answer(const RecordedRequest& r) {
    std::lock_guard lock(mutex);
    if (r.target.rfind("/result", 0) == 0) {
      return http_response(200, result_bytes, "Content-Type: " + result_type + "\r\n");
    }
    log.push_back(r.method + " " + r.target);
    if (script) {
      if (auto scripted = script(r, static_cast<int>(log.size()) - 1)) return *scripted;
    }
    if (r.method == "POST") {
      const auto body = json::parse(r.body).as_object();
      const std::string id = "task-" + std::string(body.at("external_task_id").as_string());
      return http_response(200,
                           envelope(R"({"task_id":")" + id + R"(","task_status":"submitted"})"));
    }
    const auto id = r.target.substr(r.target.rfind('/') + 1);
    const int n = ++polls[id];
    if (n < polls_until_done) {
      return http_response(200,
                           envelope(R"({"task_id":")" + id + R"(","task_status":"processing"})"));
    }
    if (final_status == "failed") {
      return http_response(
          200,
          envelope(R"({"task_id":")" + id +
                   R"(","task_status":"failed","task_status_msg":"Risk control: image flagged"})"));
    }
    return http_response(
        200,
        envelope(R"({"task_id":")" + id +
                 R"(","task_status":"succeed","task_result":{"videos":[{"id":"v1","url":")" +
                 server.url(result_path) + R"(","duration":"1.0"}],"images":[{"index":0,"url":")" +
                 server.url(result_path) + R"("}]}})"));
  }

  std::vector<std::string> requests() {
    std::lock_guard lock(mutex);
    return log;
  }
};

std::string kling_error(int status, int code, const std::string& message) {
  return http_response(status, R"({"code":)" + std::to_string(code) + R"(,"message":")" + message +
                                   R"(","request_id":"rq-err"})");
}

class KlingEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("kling-engine-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
    kling.result_bytes = sample_mp4();
    config.base_url = kling.server.url("/");
    config.access_key = "AK";
    config.secret_key = "SK";
    config.poll_initial = 5ms;
    config.poll_max = 20ms;
    config.task_timeout = 20s;
  }
  void TearDown() override { fs::remove_all(dir); }

  KlingEngine engine() {
    return KlingEngine(
        config, fetch::HttpClient(fetch::AddressGuard::with_allow_list("127.0.0.1/32").value()));
  }

  Job t2v(const std::string& uuid = testing_support::kUuid) {
    auto job =
        make_job(R"({"model":"klingai:3@1","positivePrompt":"a fox","width":1280,"height":720})",
                 {}, 0, uuid);
    job.output_path = (dir / (uuid + ".mp4")).string();
    return job;
  }

  // Renders `job` into `name` in the test directory; the body of its create request.
  std::string rendered_create_body(Job job, const std::string& name) {
    job.output_path = (dir / name).string();
    std::string body;
    kling.script = [&body](const RecordedRequest& r, int) -> std::optional<std::string> {
      if (r.method == "POST") body = r.body;
      return std::nullopt;
    };
    auto out = engine().render(job, progress);
    kling.script = nullptr;
    EXPECT_TRUE(out) << out.error().code << ": " << out.error().message;
    return body;
  }

  fs::path dir;
  FakeKling kling;
  KlingConfig config;
  TestProgress progress;
};

TEST_F(KlingEngineTest, SubmitsPollsAndDownloadsTheVideo) {
  auto e = engine();
  EXPECT_EQ(e.name(), "kling");
  const auto job = t2v();
  auto out = e.render(job, progress);
  ASSERT_TRUE(out) << out.error().code << ": " << out.error().message;
  EXPECT_EQ(out->width, 320);
  EXPECT_EQ(out->height, 240);
  EXPECT_NEAR(out->duration_s, 1.0, 0.1);
  EXPECT_EQ(read_file(job.output_path), sample_mp4());
  const auto log = kling.requests();
  const std::string id = "task-" + job.task_uuid + "-0";
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0], "POST /v1/videos/text2video");
  EXPECT_EQ(log[1], "GET /v1/videos/text2video/" + id);
  EXPECT_EQ(log[2], "GET /v1/videos/text2video/" + id);
  // Every API call carried a JWT signed with the secret key; the body is the native request.
  const auto recorded = kling.server.requests();
  const auto auth = recorded[0].header("Authorization").value_or("");
  ASSERT_EQ(auth.rfind("Bearer ", 0), 0u);
  const auto token = auth.substr(7);
  const auto signing_input = token.substr(0, token.rfind('.'));
  EXPECT_EQ(token.substr(token.rfind('.') + 1),
            auth::base64url(auth::hmac_sha256("SK", signing_input)));
  EXPECT_EQ(recorded[0].header("Content-Type").value_or(""), "application/json");
  const auto body = json::parse(recorded[0].body).as_object();
  EXPECT_EQ(body.at("model_name"), "kling-v1-6");
  EXPECT_EQ(body.at("duration"), "5");
}

// An input kept in a spool file (large audio fetched from a URL) is read back for a request body
// that carries it as base64 (the avatar's sound_file); the file stays with its Blob.
TEST_F(KlingEngineTest, ASpooledInputIsReadForTheRequestBody) {
  const auto audio_path = (dir / ".spool-audio").string();
  const std::string audio(3000, 'A');
  std::ofstream(audio_path, std::ios::binary) << audio;
  fetch::Blob spooled{{}, "audio/mpeg", std::make_shared<fetch::SpoolFile>(audio_path, audio.size())};
  auto job = make_job(R"({"model":"klingai:avatar@2.0-pro","positivePrompt":"speaks calmly",
      "inputs":{"image":"https://example.com/face.png","audio":"https://example.com/voice.mp3"}})",
                      {{"image", {"FACE", "image/png"}, "inputs.image"}, {"audio", spooled, "inputs.audio"}});
  const auto create_body = rendered_create_body(std::move(job), "avatar.mp4");
  const auto body = json::parse(create_body).as_object();
  ASSERT_TRUE(body.contains("sound_file")) << create_body.substr(0, 300);
  EXPECT_EQ(std::string(body.at("sound_file").as_string()), fetch::encode_base64(audio));
  EXPECT_TRUE(fs::exists(audio_path));
}

// A spooled video went to Kling by its URL: it is never read back (here its file does not even
// exist), so a worker waiting for a Kling slot holds no video in memory.
TEST_F(KlingEngineTest, ASpooledVideoIsSentByItsUrlAndNotRead) {
  fetch::Blob video{{}, "video/mp4", std::make_shared<fetch::SpoolFile>((dir / ".spool-gone").string(), 5000)};
  auto job = make_job(R"({"model":"klingai:7@1","inputs":{"video":"https://example.com/talk.mp4",
      "audio":"data:audio/mpeg;base64,AAAA"}})",
                      {{"video", video, "inputs.video"}, {"audio", {"MP3", "audio/mpeg"}, "inputs.audio"}});
  const auto create_body = rendered_create_body(std::move(job), "lipsync.mp4");
  const auto input = json::parse(create_body).at("input").as_object();
  EXPECT_EQ(std::string(input.at("video_url").as_string()), "https://example.com/talk.mp4");
}

// A full disk while downloading the result is storageFull, not a provider failure, so the task
// waits for space and then polls the same Kling task (its id is saved) instead of failing.
TEST_F(KlingEngineTest, AFullDiskWhileDownloadingIsStorageFull) {
  auto job = t2v();
  job.output_path = (dir / "full.mp4").string();
  fs::create_symlink("/dev/full", job.output_path);  // every write: ENOSPC
  auto out = engine().render(job, progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "storageFull") << out.error().message;
  EXPECT_EQ(out.error().message.find(dir.string()), std::string::npos) << out.error().message;
  const auto saved = progress.saved_states();
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].rfind("kling-task:", 0), 0u);  // the resume polls this task
}

// The result's download runs on the engine's event loop: a redirect is followed (each hop checked),
// an answer over the size limit fails the task and leaves no file.
TEST_F(KlingEngineTest, TheResultDownloadFollowsRedirectsWithinItsLimit) {
  kling.result_path = "/moved";
  kling.script = [this](const RecordedRequest& r, int) -> std::optional<std::string> {
    if (r.target != "/moved") return std::nullopt;
    return http_response(302, "", "Location: " + kling.server.url("/result.mp4") + "\r\n");
  };
  const auto job = t2v();
  auto out = engine().render(job, progress);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(read_file(job.output_path), sample_mp4());

  config.max_download_bytes = 1000;
  const auto small = t2v("cccccccc-0000-4000-8000-000000000003");
  out = engine().render(small, progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "providerDownloadFailed");
  EXPECT_NE(out.error().message.find("larger than the limit of 1000 bytes"), std::string::npos)
      << out.error().message;
  EXPECT_FALSE(fs::exists(small.output_path));
}

TEST_F(KlingEngineTest, SavesKlingsTaskIdRightAfterTheCreate) {
  kling.polls_until_done = 1;
  const auto job = t2v();
  std::vector<std::string> saved_before_first_poll;
  kling.script = [this, &saved_before_first_poll](const RecordedRequest& r, int) -> std::optional<std::string> {
    if (r.method == "GET" && saved_before_first_poll.empty()) {
      auto saved = progress.saved_states();
      saved_before_first_poll = saved.empty() ? std::vector<std::string>{"<none>"} : saved;
    }
    return std::nullopt;
  };
  auto e = engine();
  ASSERT_TRUE(e.render(job, progress));
  const std::string state = "kling-task:task-" + job.task_uuid + "-0";
  EXPECT_EQ(progress.saved_states(), std::vector<std::string>{state});
  EXPECT_EQ(saved_before_first_poll, std::vector<std::string>{state});
}

TEST_F(KlingEngineTest, AResumedJobPollsItsSavedTaskInsteadOfCreatingOne) {
  auto job = t2v();
  job.provider_state = "kling-task:task-earlier";
  auto e = engine();
  auto out = e.render(job, progress);
  ASSERT_TRUE(out) << out.error().code << ": " << out.error().message;
  EXPECT_EQ(read_file(job.output_path), sample_mp4());
  EXPECT_EQ(kling.requests(), (std::vector<std::string>{"GET /v1/videos/text2video/task-earlier",
                                                        "GET /v1/videos/text2video/task-earlier"}));
  EXPECT_TRUE(progress.saved_states().empty());  // nothing new to keep
}

TEST_F(KlingEngineTest, AStateOfAnotherEngineIsIgnored) {
  auto job = t2v();
  job.provider_state = "something-else:42";
  auto e = engine();
  ASSERT_TRUE(e.render(job, progress));
  const auto log = kling.requests();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log[0], "POST /v1/videos/text2video");
}

TEST_F(KlingEngineTest, RateLimitStormDelaysButDoesNotFail) {
  kling.script = [](const RecordedRequest&, int index) -> std::optional<std::string> {
    if (index < 4) return kling_error(429, 1303, "parallel task over resource pack limit");
    if (index == 5) return http_response(503, "<html>maintenance</html>");
    return std::nullopt;
  };
  auto out = engine().render(t2v(), progress);
  ASSERT_TRUE(out) << out.error().message;
  const auto log = kling.requests();
  ASSERT_GE(log.size(), 7u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(log[i], "POST /v1/videos/text2video") << i;
}

// On simulated time (FakeClock: each back-off moves the clock instead of sleeping), with the
// production timeout and back-off: 30 minutes of 429s end in a clear error, instantly.
TEST_F(KlingEngineTest, RateLimitsUntilTheTimeoutEndInAClearError) {
  FakeClock clock;
  config.clock = &clock;
  config.idle_wait = [&clock](std::chrono::milliseconds delay) { clock.sleep_for(delay); };
  config.task_timeout = 1800s;
  config.poll_initial = 1000ms;
  config.poll_max = 10'000ms;
  const auto start = clock.monotonic();
  kling.script = [](const RecordedRequest&, int) -> std::optional<std::string> {
    return kling_error(429, 1303, "parallel task over resource pack limit");
  };
  auto out = engine().render(t2v(), progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "providerRateLimited");
  EXPECT_NE(out.error().message.find("code 1303"), std::string::npos) << out.error().message;
  EXPECT_NE(out.error().message.find("task timeout of 1800 s"), std::string::npos)
      << out.error().message;
  // Every pause was waited on the clock: the simulated time reached the deadline, never passed
  // it, and the attempts were spaced by the back-off (at most one per second, at least one per 10 s).
  const auto waited = std::chrono::duration_cast<std::chrono::seconds>(clock.monotonic() - start);
  EXPECT_GT(waited, 1790s);
  EXPECT_LE(waited, 1800s);
  const auto attempts = kling.requests().size();
  EXPECT_GE(attempts, 180u);
  EXPECT_LE(attempts, 1800u);
}

TEST_F(KlingEngineTest, AuthFailureIsNotRetried) {
  kling.script = [](const RecordedRequest&, int) -> std::optional<std::string> {
    return kling_error(401, 1002, "Authorization is invalid");
  };
  auto out = engine().render(t2v(), progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "providerAuthFailed");
  EXPECT_NE(out.error().message.find("code 1002: Authorization is invalid"), std::string::npos);
  EXPECT_EQ(kling.requests().size(), 1u);
}

TEST_F(KlingEngineTest, ExpiredTokenIsRemintedOnce) {
  kling.script = [](const RecordedRequest&, int index) -> std::optional<std::string> {
    if (index == 0) return kling_error(401, 1004, "Authorization has expired");
    return std::nullopt;
  };
  auto out = engine().render(t2v(), progress);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(kling.requests()[1], "POST /v1/videos/text2video");
}

TEST_F(KlingEngineTest, BadParametersAndPolicyAreClearErrors) {
  kling.script = [](const RecordedRequest&, int) -> std::optional<std::string> {
    return kling_error(400, 1201, "model_name is invalid");
  };
  auto out = engine().render(t2v(), progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "providerInvalidRequest");
  EXPECT_NE(out.error().message.find("model_name is invalid"), std::string::npos);
  kling.script = [](const RecordedRequest&, int) -> std::optional<std::string> {
    return kling_error(400, 1301, "content security policy");
  };
  out = engine().render(t2v(), progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "contentPolicyViolation");
}

TEST_F(KlingEngineTest, FailedTaskCarriesKlingsReason) {
  kling.final_status = "failed";
  const auto job = t2v();
  auto out = engine().render(job, progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "providerTaskFailed");
  EXPECT_EQ(out.error().message,
            "Kling task task-" + job.task_uuid + "-0 failed: Risk control: image flagged");
}

TEST_F(KlingEngineTest, TaskThatNeverFinishesTimesOut) {
  FakeClock clock;
  config.clock = &clock;
  config.idle_wait = [&clock](std::chrono::milliseconds delay) { clock.sleep_for(delay); };
  config.task_timeout = 1800s;
  config.poll_initial = 1000ms;
  config.poll_max = 10'000ms;
  kling.polls_until_done = 1'000'000;
  auto out = engine().render(t2v(), progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "providerTimeout");
  EXPECT_NE(out.error().message.find("last status: processing"), std::string::npos)
      << out.error().message;
}

TEST_F(KlingEngineTest, CancellationStopsPolling) {
  kling.polls_until_done = 1'000'000;
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    progress.cancel = true;
  });
  auto out = engine().render(t2v(), progress);
  canceller.join();
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "taskCancelled");
  EXPECT_NE(out.error().message.find("Kling task task-"), std::string::npos);
}

TEST_F(KlingEngineTest, UnreachableKlingIsAClearError) {
  config.base_url = "http://127.0.0.1:" + std::to_string(fetch::testing::unused_loopback_port());
  auto out = engine().render(t2v(), progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "providerUnreachable");
  EXPECT_NE(out.error().message.find(config.base_url), std::string::npos) << out.error().message;
}

TEST_F(KlingEngineTest, NonMp4OutputIsRefusedBeforeSubmitting) {
  auto job = make_job(R"({"model":"klingai:3@1","positivePrompt":"a fox","outputFormat":"WEBM"})");
  job.output_path = (dir / "x.webm").string();
  auto out = engine().render(job, progress);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, "unsupportedOutputFormat");
  EXPECT_TRUE(kling.requests().empty());
}

TEST_F(KlingEngineTest, ImageResultIsConvertedToTheRequestedFormat) {
  auto png =
      media::encode_image(media::RgbImage::filled(64, 48, 0, 0, 255), media::ImageFormat::Png, 95);
  ASSERT_TRUE(png);
  kling.result_bytes = *png;
  kling.result_path = "/result.png";
  kling.result_type = "image/png";
  auto job = make_job(
      R"({"taskType":"imageInference","model":"klingai:kling-image@3","positivePrompt":"sky",
      "width":1024,"height":1024})");
  ASSERT_EQ(job.content_type, "image/jpeg");
  job.output_path = (dir / "out.jpg").string();
  auto out = engine().render(job, progress);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->width, 64);
  EXPECT_EQ(out->height, 48);
  EXPECT_EQ(read_file(job.output_path).substr(0, 3), "\xff\xd8\xff");
  EXPECT_EQ(kling.requests()[0], "POST /v1/images/generations");
}

TEST_F(KlingEngineTest, AtMostMaxConcurrencyTasksAreInFlight) {
  config.max_concurrency = 1;
  auto e = engine();
  const auto a = t2v("aaaaaaaa-0000-4000-8000-000000000001");
  const auto b = t2v("bbbbbbbb-0000-4000-8000-000000000002");
  Result<Output> out_a = Error{}, out_b = Error{};
  std::thread ta([&] { out_a = e.render(a, progress); });
  std::thread tb([&] { out_b = e.render(b, progress); });
  ta.join();
  tb.join();
  ASSERT_TRUE(out_a) << out_a.error().message;
  ASSERT_TRUE(out_b) << out_b.error().message;
  // The second POST comes only after the first task's final poll.
  const auto log = kling.requests();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0].rfind("POST", 0), 0u);
  EXPECT_EQ(log[1].rfind("GET", 0), 0u);
  EXPECT_EQ(log[2].rfind("GET", 0), 0u);
  EXPECT_EQ(log[3].rfind("POST", 0), 0u);
}

TEST(HttpClientRequest, ReturnsStatusAndBodyOfErrorsToo) {
  LoopbackServer server([](const RecordedRequest& r, Connection& c) {
    if (r.method == "POST") {
      c.send(http_response(429, R"({"code":1303})",
                           "Content-Type: application/json; charset=utf-8\r\n"));
    } else {
      c.send(http_response(200, "ok:" + r.target));
    }
  });
  fetch::HttpClient http(fetch::AddressGuard::with_allow_list("127.0.0.1/32").value());
  fetch::FetchLimits limits;
  limits.timeout = 5s;
  auto posted = http.request("POST", server.url("/v1/x"), R"({"a":1})", "application/json",
                             {{"X-Test", "1"}}, limits);
  ASSERT_TRUE(posted) << posted.error().message;
  EXPECT_EQ(posted->status, 429);
  EXPECT_EQ(posted->body, R"({"code":1303})");
  EXPECT_EQ(posted->content_type, "application/json");
  auto got = http.request("GET", server.url("/v1/x/1"), "", "", {}, limits);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->body, "ok:/v1/x/1");
  const auto recorded = server.requests();
  EXPECT_EQ(recorded[0].body, R"({"a":1})");
  EXPECT_EQ(recorded[0].header("X-Test").value_or(""), "1");
  EXPECT_EQ(recorded[1].method, "GET");
  EXPECT_FALSE(http.request("PATCH", server.url("/"), "", "", {}, limits));
  limits.max_bytes = 4;
  auto big = http.request("GET", server.url("/long-path"), "", "", {}, limits);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, "inputTooLarge");
  // The SSRF guard still applies.
  fetch::HttpClient guarded{fetch::AddressGuard()};
  auto refused = guarded.request("GET", server.url("/"), "", "", {}, limits);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "addressRefused");
}

TEST(HttpClientDownload, StreamsToAFileAndRemovesItOnError) {
  const std::string payload(300'000, 'x');
  LoopbackServer server([&](const RecordedRequest& r, Connection& c) {
    if (r.target == "/moved") {
      c.send(http_response(302, "", "Location: /file\r\n"));
    } else if (r.target == "/file") {
      c.send(http_response(200, payload, "Content-Type: application/octet-stream\r\n"));
    } else {
      c.send(http_response(404, "no"));
    }
  });
  fetch::HttpClient http(fetch::AddressGuard::with_allow_list("127.0.0.1/32").value());
  fetch::FetchLimits limits;
  limits.timeout = 5s;
  const auto path =
      (fs::temp_directory_path() / ("kling-dl-" + std::to_string(::getpid()))).string();
  auto info = http.download(server.url("/moved"), path, limits);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->bytes, payload.size());
  EXPECT_EQ(info->content_type, "application/octet-stream");
  EXPECT_EQ(read_file(path), payload);
  auto missing = http.download(server.url("/nothing"), path, limits);
  ASSERT_FALSE(missing);
  EXPECT_FALSE(fs::exists(path));
  limits.max_bytes = 1000;
  auto too_big = http.download(server.url("/file"), path, limits);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, "inputTooLarge");
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace vidserve::engine
