#pragma once
// Kling's response envelope {code, message, request_id, data} and its error replies.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "api/wire/reply.hpp"
#include "core/problem.hpp"

namespace vidserve::api::kling {

wire::Reply native_reply(int http_status, int code, std::string message, const std::string& request_id,
                            boost::json::value data = nullptr);
// 400 / 1201 with every problem: the message lists them, `errors` carries them one by one.
wire::Reply invalid_parameters(const std::vector<core::Problem>& problems, const std::string& request_id);

}  // namespace vidserve::api::kling
