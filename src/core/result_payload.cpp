#include "core/result_payload.hpp"

#include <cstdlib>
#include <sstream>

#include "common/text.hpp"

namespace vidserve::core {

namespace {

std::string one_line(const std::string& s) {
  std::string out = s;
  for (auto& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

std::string encode(const ResultPayload& p) {
  std::ostringstream out;
  out << "content_type=" << one_line(p.content_type) << "\n"
      << "seed=" << p.seed << "\n"
      << "width=" << p.width << "\nheight=" << p.height << "\n"
      << "duration_s=" << text::format_number(p.duration_s) << "\n"
      << "engine=" << one_line(p.engine) << "\n";
  if (p.cost_micros) out << "cost_usd=" << money::decimal(*p.cost_micros) << "\n";
  if (!p.upload_url.empty()) out << "upload_url=" << one_line(p.upload_url) << "\n";
  for (const auto& note : p.notes) out << "note=" << one_line(note) << "\n";
  if (!p.error_code.empty()) {
    out << "error_code=" << one_line(p.error_code) << "\nerror_message=" << one_line(p.error_message) << "\n";
    if (!p.error_parameter.empty()) out << "error_parameter=" << one_line(p.error_parameter) << "\n";
  }
  return out.str();
}

ResultPayload decode_result_payload(const std::string& text) {
  ResultPayload p;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const auto key = line.substr(0, eq);
    const auto value = line.substr(eq + 1);
    if (key == "content_type") p.content_type = value;
    else if (key == "seed") p.seed = std::strtoull(value.c_str(), nullptr, 10);
    else if (key == "width") p.width = std::atoi(value.c_str());
    else if (key == "height") p.height = std::atoi(value.c_str());
    else if (key == "duration_s") p.duration_s = std::strtod(value.c_str(), nullptr);
    else if (key == "engine") p.engine = value;
    else if (key == "cost_usd") p.cost_micros = money::parse(value);
    else if (key == "error_code") p.error_code = value;
    else if (key == "error_message") p.error_message = value;
    else if (key == "error_parameter") p.error_parameter = value;
    else if (key == "upload_url") p.upload_url = value;
    else if (key == "note") p.notes.push_back(value);
  }
  return p;
}

}  // namespace vidserve::core
