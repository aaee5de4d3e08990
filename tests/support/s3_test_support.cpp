#include "s3_test_support.hpp"

#include <curl/curl.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/uuid.hpp"
#include "fetch/curl_handles.hpp"

namespace vidserve::testing {

namespace {

std::string shell_quote(const std::string& arg) {
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::string read_all(std::FILE* file) {
  std::string out;
  std::array<char, 4096> buffer{};
  while (const auto n = std::fread(buffer.data(), 1, buffer.size(), file))
    out.append(buffer.data(), n);
  return out;
}

}  // namespace

std::string s3_test_endpoint() {
  const char* file = std::getenv("VIDSERVE_TEST_S3_URL_FILE");
  if (file == nullptr) return "";
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  return url;
}

fetch::S3Bucket s3_test_bucket() {
  return fetch::S3Bucket{s3_test_endpoint(), "us-east-1", "vidserve-test"};
}

fetch::S3Credentials s3_test_credentials() {
  return fetch::S3Credentials{"S3RVER", "S3RVER", ""};
}

std::string unique_s3_prefix() {
  return "t-" + uuid::generate_v4();
}

void inject_s3_faults(const std::string& key_prefix, int status, int count) {
  fetch::curl_global_ready();
  fetch::CurlEasyPtr easy(curl_easy_init());
  const std::string url = s3_test_endpoint() + "/__faults";
  const std::string body = R"({"prefix":"/vidserve-test/)" + key_prefix + R"(","status":)" +
                           std::to_string(status) + R"(,"count":)" + std::to_string(count) + "}";
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT, 10L);
  curl_easy_perform(easy.get());
}

Result<std::string> run_sdk(const std::vector<std::string>& args) {
  const auto script = std::filesystem::path(VIDSERVE_SOURCE_DIR) / "tests" / "s3" / "sdk.mjs";
  const auto errors =
      std::filesystem::temp_directory_path() / ("vidserve-sdk-" + uuid::generate_v4());
  std::string command = "node " + shell_quote(script.string());
  for (const auto& arg : args) command += " " + shell_quote(arg);
  command += " 2>" + shell_quote(errors.string());
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return Error{"sdk", "cannot run node"};
  std::string out = read_all(pipe);
  const int status = ::pclose(pipe);
  std::ifstream err_in(errors);
  std::string err((std::istreambuf_iterator<char>(err_in)), std::istreambuf_iterator<char>());
  std::error_code ec;
  std::filesystem::remove(errors, ec);
  if (status != 0) return Error{"sdk", "sdk.mjs " + (args.empty() ? "" : args[0]) + ": " + err};
  return out;
}

}  // namespace vidserve::testing
