#pragma once
// One function per task type; each appends to the envelope. Private to the Runware front-end.
#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/runware/envelope.hpp"
#include "api/runware/service.hpp"

namespace vidserve::api::runware::handlers {

// TaskRecord::api of tasks created through the Runware API. Tasks stored before that column have
// "" and are Runware's too; tasks of the other front-ends are not visible here (404).
inline constexpr std::string_view kRunwareApi = "runware";
inline bool created_here(std::string_view api) { return api.empty() || api == kRunwareApi; }

inline constexpr std::size_t kMaxEchoedId = 100;  // bytes of a caller's taskUUID quoted in a message

// A validated inference task waiting for its durable commit; the reply is built afterwards.
struct Deferred {
  store::TaskRecord record;
  bool wait_for_result = false;  // imageInference without deliveryMethod async
};

void inference(const Services& s, const boost::json::object& task, const std::string& owner, Envelope& out,
               std::vector<Deferred>& deferred);
void get_response(const Services& s, const boost::json::object& task, const std::string& owner, Envelope& out);
// An imageUpload whose fetch (or decoding) and store run on the fetch pool, off the io threads.
struct Upload {
  std::string task_uuid;
  std::string image;
};
// Answers an imageUpload without `image` in `out`; queues any other in `uploads`.
void read_image_upload(const boost::json::object& task, Envelope& out, std::vector<Upload>& uploads);
// Fetches or decodes, checks and stores the image; blocks (call it on the fetch pool).
void image_upload(const Services& s, const Upload& upload, const std::string& owner, Envelope& out);
void model_search(const Services& s, const boost::json::object& task, Envelope& out);

// The items of a stored task as getResponse shows them (success/processing in data, failures in
// errors). Also used to answer a synchronous imageInference.
void task_items(const tasks::Context& context, const store::TaskRecord& record, Envelope& out);

std::string string_field(const boost::json::object& o, const char* key);

// nullopt when `owner` may send this request; otherwise `out` holds the rateLimitExceeded error
// (429) and the answer is the Retry-After in seconds.
std::optional<int> over_rate(const Services& s, const std::string& owner, Envelope& out);

// The reply items of the two tasks answered without a taskUUID, over REST and WebSocket alike.
boost::json::object pong_item();
boost::json::object authentication_item(const std::string& connection_session_uuid);

}  // namespace vidserve::api::runware::handlers
