// `vidserve tasks get UUID | list [--status S] [--limit N] | cancel UUID`: a key's Runware tasks on
// a server (getResponse, GET /v1/tasks, DELETE /v1/tasks/{taskUUID}).
#include <boost/json.hpp>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>

#include "api/wire/json_text.hpp"
#include "app/api_client.hpp"
#include "app/command_options.hpp"
#include "app/commands.hpp"

namespace vidserve::app {

namespace json = boost::json;

namespace {

constexpr int kFailed = 1, kUnreachable = 2;

struct TasksOptions {
  std::string server = "http://127.0.0.1:8080", key, uuid, status;
  int limit = 30;
  bool as_json = false;
};

std::string field(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return "";
  return v->is_string() ? std::string(v->get_string()) : api::wire::to_text(*v);
}

// 1700000000000 -> "2023-11-14 22:13:20Z"
std::string utc_time(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return "-";
  const std::time_t secs = static_cast<std::time_t>(v->get_int64() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%SZ", &tm);
  return text;
}

// The reply as JSON, or an explanation on stderr; HTTP errors print their "errors".
std::optional<json::value> call(const char* what, const Result<HttpReply>& reply, int& rc) {
  if (!reply) {
    std::cerr << "vidserve tasks " << what << ": " << reply.error().message << "\n";
    rc = kUnreachable;
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto body = json::parse(reply->body, ec);
  if (ec || !body.is_object()) {
    std::cerr << "vidserve tasks " << what << ": HTTP " << reply->status << ", not JSON\n";
    rc = kFailed;
    return std::nullopt;
  }
  if (reply->status >= 400 || body.get_object().contains("errors")) {
    print_reply_errors(body);
    rc = kFailed;
  }
  return body;
}

void print_item(const json::object& item) {
  std::cout << field(item, "taskUUID") << "  " << field(item, "status");
  if (auto p = field(item, "progress"); !p.empty()) std::cout << "  " << p << "%";
  for (const char* key : {"videoURL", "imageURL", "videoUUID", "imageUUID", "cost", "seed"}) {
    if (auto v = field(item, key); !v.empty()) std::cout << "  " << key << " " << v;
  }
  std::cout << "\n";
}

int run_get(const TasksOptions& o) {
  ApiClient client(o.server, o.key);
  const auto poll = json::array{json::object{{"taskType", "getResponse"}, {"taskUUID", o.uuid}}};
  int rc = 0;
  auto body = call("get", client.post_tasks(api::wire::to_text(poll)), rc);
  if (!body) return rc;
  if (o.as_json) {
    std::cout << api::wire::to_text(*body) << "\n";
    return rc;
  }
  if (const auto* data = body->get_object().if_contains("data"); data && data->is_array()) {
    for (const auto& item : data->get_array()) {
      if (item.is_object()) print_item(item.get_object());
    }
  }
  return rc;
}

int run_list(const TasksOptions& o) {
  ApiClient client(o.server, o.key);
  std::string path = "/v1/tasks?limit=" + std::to_string(o.limit);
  if (!o.status.empty()) path += "&status=" + o.status;
  int rc = 0;
  auto body = call("list", client.get(path), rc);
  if (!body || rc != 0) return rc == 0 ? kFailed : rc;
  const auto* data = body->get_object().if_contains("data");
  if (o.as_json) {
    std::cout << (data ? api::wire::to_text(*data) : "[]") << "\n";
    return 0;
  }
  if (data == nullptr || !data->is_array()) return 0;
  for (const auto& v : data->get_array()) {
    if (!v.is_object()) continue;
    const auto& t = v.get_object();
    std::cout << field(t, "taskUUID") << "  " << field(t, "status") << "  " << field(t, "progress")
              << "%  " << field(t, "model") << "  " << utc_time(t, "createdAt");
    if (auto code = field(t, "errorCode"); !code.empty()) std::cout << "  " << code;
    std::cout << "\n";
  }
  return 0;
}

int run_cancel(const TasksOptions& o) {
  ApiClient client(o.server, o.key);
  int rc = 0;
  auto body = call("cancel", client.remove("/v1/tasks/" + o.uuid), rc);
  if (!body || rc != 0) return rc == 0 ? kFailed : rc;
  std::cout << (o.as_json ? api::wire::to_text(*body) : "cancelled " + o.uuid) << "\n";
  return 0;
}

}  // namespace

Runner add_tasks_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("tasks", "Get, list or cancel your tasks on a server");
  cmd->require_subcommand(1);
  auto o = std::make_shared<TasksOptions>();
  add_server_options(*cmd, o->server, o->key);
  cmd->add_flag("--json", o->as_json, "Print the server's JSON");
  auto* get = cmd->add_subcommand("get", "A task's status and results (getResponse)");
  get->add_option("uuid", o->uuid, "The task's taskUUID")->required();
  auto* list = cmd->add_subcommand("list", "Your tasks, newest first (GET /v1/tasks)");
  list->add_option("--status", o->status, "Only tasks in this status")
      ->check(CLI::IsMember({"queued", "processing", "success", "error", "cancelled"}));
  list->add_option("--limit", o->limit, "At most this many")
      ->capture_default_str()
      ->check(CLI::Range(1, 500));
  auto* cancel =
      cmd->add_subcommand("cancel", "Cancel a queued or processing task (DELETE /v1/tasks/UUID)");
  cancel->add_option("uuid", o->uuid, "The task's taskUUID")->required();
  for (auto* sub : {get, list, cancel}) sub->fallthrough();
  return [o, get, list]() {
    if (get->parsed()) return run_get(*o);
    if (list->parsed()) return run_list(*o);
    return run_cancel(*o);
  };
}

}  // namespace vidserve::app
