#include "engine/engine.hpp"

#include "engine/error_codes.hpp"

namespace vidserve::engine {

std::string output_content_type(const core::Plan& plan) {
  const auto& f = plan.output_format;
  if (plan.model && plan.model->type == catalog::ModelType::Image) {
    if (f == "PNG") return "image/png";
    if (f == "WEBP") return "image/webp";
    return "image/jpeg";
  }
  if (f == "WEBM") return "video/webm";
  if (f == "MOV") return "video/quicktime";
  return "video/mp4";
}

void EngineRouter::add(std::unique_ptr<Engine> engine) { engines_.push_back(std::move(engine)); }

Status EngineRouter::route(const std::string& pattern, const std::string& engine_name) {
  for (const auto& e : engines_) {
    if (e->name() == engine_name) {
      routes_.emplace_back(pattern, e.get());
      return Ok{};
    }
  }
  return Error{errc::kUnknownEngine, "no engine named '" + engine_name + "'"};
}

Engine* EngineRouter::engine_for(const std::string& model) const {
  for (const auto& [pattern, engine] : routes_) {
    const bool prefix = !pattern.empty() && pattern.back() == '*';
    const auto stem = prefix ? pattern.substr(0, pattern.size() - 1) : pattern;
    if (prefix ? model.compare(0, stem.size(), stem) == 0 : model == pattern) return engine;
  }
  return nullptr;
}

}  // namespace vidserve::engine
