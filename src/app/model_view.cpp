#include "app/model_view.hpp"

#include <algorithm>

#include "common/money.hpp"
#include "common/text.hpp"

namespace vidserve::app {

namespace json = boost::json;
using catalog::Model;
using catalog::Workflow;

namespace {

template <class T>
void add_unique(std::vector<T>& items, const T& item) {
  if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
}

std::vector<catalog::Size> all_sizes(const Model& m, bool& from_input) {
  std::vector<catalog::Size> sizes;
  from_input = false;
  for (const auto& w : m.workflows) {
    if (w.size.kind == catalog::SizeSpec::Kind::FromInput || w.size.absent_from_input)
      from_input = true;
    for (const auto& s : w.size.values) add_unique(sizes, s);
  }
  return sizes;
}

std::string size_text(const catalog::SizeSpec& spec) {
  std::vector<std::string> sizes;
  for (const auto& s : spec.values) sizes.push_back(catalog::to_string(s));
  if (spec.kind == catalog::SizeSpec::Kind::FromInput) return "from input";
  return text::join(sizes, " ") + (spec.absent_from_input ? " | from input" : "");
}

std::string sizes_of(const Model& m) {
  bool from_input = false;
  std::vector<std::string> names;
  for (const auto& s : all_sizes(m, from_input)) names.push_back(catalog::to_string(s));
  if (names.empty()) return "from input";
  return text::join(names, " ") + (from_input ? " | from input" : "");
}

std::string duration_text(const catalog::DurationSpec& d) {
  using Kind = catalog::DurationSpec::Kind;
  if (d.kind == Kind::Values) {
    std::vector<std::string> v;
    for (double x : d.values) v.push_back(text::format_number(x));
    return text::join(v, "|") + "s";
  }
  if (d.kind == Kind::Range)
    return text::format_number(d.min) + "-" + text::format_number(d.max) + "s";
  return "from " + d.from_input;
}

json::object duration_json(const catalog::DurationSpec& d) {
  using Kind = catalog::DurationSpec::Kind;
  if (d.kind == Kind::Values) {
    json::array values;
    for (double x : d.values) values.emplace_back(x);
    return {{"values", std::move(values)}, {"default", d.default_value}};
  }
  if (d.kind == Kind::Range) return {{"min", d.min}, {"max", d.max}, {"default", d.default_value}};
  return {{"fromInput", d.from_input}};
}

std::string durations_of(const Model& m) {
  if (m.type == catalog::ModelType::Image) return "-";
  std::vector<std::string> parts;
  for (const auto& w : m.workflows) add_unique(parts, duration_text(w.duration));
  return parts.empty() ? "-" : text::join(parts, ", ");
}

std::string price_rule_text(const catalog::PriceRule& p) {
  const auto amount = money::usd(money::from_usd(p.amount));
  std::string s;
  switch (p.basis) {
    case catalog::PriceRule::Basis::PerSecond:
      s = amount + "/s";
      break;
    case catalog::PriceRule::Basis::PerItem:
      s = amount + " each";
      break;
    case catalog::PriceRule::Basis::InputPerSecond:
      s = amount + "/s of " + p.input;
      break;
    case catalog::PriceRule::Basis::InputTiers:
      s = "tiered by " + p.input + " length";
      break;
  }
  std::vector<std::string> when = p.workflows;
  if (p.sound) when.push_back(*p.sound ? "sound" : "silent");
  if (p.video_input) when.push_back(*p.video_input ? "video input" : "no video input");
  if (p.min_pixels) when.push_back("4K");
  if (!when.empty()) s += " (" + text::join(when, ", ") + ")";
  return s;
}

std::string price_of(const Model& m) {
  std::vector<std::string> parts;
  for (const auto& p : m.pricing) parts.push_back(price_rule_text(p));
  return parts.empty() ? "-" : text::join(parts, "; ");
}

const char* prompt_text(catalog::PromptRule rule) {
  switch (rule) {
    case catalog::PromptRule::Required:
      return "required";
    case catalog::PromptRule::Optional:
      return "optional";
    case catalog::PromptRule::None:
      return "none";
  }
  return "optional";
}

std::string inputs_text(const Workflow& w) {
  std::vector<std::string> parts;
  for (const auto& [name, spec] : w.inputs) {
    std::string count = spec.min == spec.max
                            ? std::to_string(spec.min)
                            : std::to_string(spec.min) + "-" + std::to_string(spec.max);
    std::string s = name + " (" + count;
    if (!spec.frames.empty()) s += ": " + text::join(spec.frames, ", ");
    parts.push_back(s + ")");
  }
  return parts.empty() ? "none" : text::join(parts, ", ");
}

json::object workflow_json(const Workflow& w, bool video) {
  json::object inputs;
  for (const auto& [name, spec] : w.inputs) {
    json::array frames;
    for (const auto& f : spec.frames) frames.emplace_back(f);
    json::object o{{"min", spec.min}, {"max", spec.max}};
    if (!frames.empty()) o["frames"] = std::move(frames);
    inputs[name] = std::move(o);
  }
  json::array sizes, settings;
  for (const auto& s : w.size.values)
    sizes.push_back(json::object{{"width", s.width}, {"height", s.height}});
  for (const auto& s : w.settings) settings.emplace_back(s);
  json::object o{{"kind", w.kind},
                 {"inputs", std::move(inputs)},
                 {"sizes", std::move(sizes)},
                 {"sizeFromInput",
                  w.size.kind == catalog::SizeSpec::Kind::FromInput || w.size.absent_from_input},
                 {"prompt", prompt_text(w.prompt)},
                 {"providerSettings", std::move(settings)}};
  if (video) o["duration"] = duration_json(w.duration);
  if (w.fps) o["fps"] = *w.fps;
  return o;
}

std::string setting_text(const catalog::SettingSpec& s) {
  std::string out = s.name + "  " + s.type;
  if (!s.enum_values.empty()) out += " " + text::join(s.enum_values, "|");
  if (s.min && s.max) out += " " + text::format_number(*s.min) + "-" + text::format_number(*s.max);
  if (s.max_items > 0) out += ", up to " + std::to_string(s.max_items) + " shots";
  return out + "  " + s.description;
}

json::object setting_json(const catalog::SettingSpec& s) {
  json::object o{{"name", s.name}, {"type", s.type}, {"description", s.description}};
  if (!s.enum_values.empty()) {
    json::array values;
    for (const auto& v : s.enum_values) values.emplace_back(v);
    o["enum"] = std::move(values);
  }
  if (s.min) o["min"] = *s.min;
  if (s.max) o["max"] = *s.max;
  if (s.max_items > 0) o["maxItems"] = s.max_items;
  return o;
}

std::string limits_text(const catalog::MediaLimits& l) {
  std::vector<std::string> parts;
  if (l.min_side) parts.push_back("min side " + std::to_string(*l.min_side));
  if (l.max_side) parts.push_back("max side " + std::to_string(*l.max_side));
  if (l.max_bytes) parts.push_back("max " + std::to_string(*l.max_bytes / (1024 * 1024)) + " MiB");
  if (l.min_aspect && l.max_aspect)
    parts.push_back("aspect " + text::format_number(*l.min_aspect) + "-" +
                    text::format_number(*l.max_aspect));
  if (l.min_seconds) parts.push_back("min " + text::format_number(*l.min_seconds) + " s");
  if (l.max_seconds) parts.push_back("max " + text::format_number(*l.max_seconds) + " s");
  if (!l.formats.empty()) parts.push_back(text::join(l.formats, "|"));
  return text::join(parts, ", ");
}

json::object limits_json(const catalog::MediaLimits& l) {
  json::object o;
  if (l.min_side) o["minSide"] = *l.min_side;
  if (l.max_side) o["maxSide"] = *l.max_side;
  if (l.max_bytes) o["maxBytes"] = *l.max_bytes;
  if (l.min_aspect) o["minAspect"] = *l.min_aspect;
  if (l.max_aspect) o["maxAspect"] = *l.max_aspect;
  if (l.min_seconds) o["minSeconds"] = *l.min_seconds;
  if (l.max_seconds) o["maxSeconds"] = *l.max_seconds;
  if (!l.formats.empty()) {
    json::array formats;
    for (const auto& f : l.formats) formats.emplace_back(f);
    o["formats"] = std::move(formats);
  }
  return o;
}

void print_workflows(std::ostream& out, const Model& m) {
  const bool video = m.type == catalog::ModelType::Video;
  out << "  workflows:\n";
  for (const auto& w : m.workflows) {
    out << "    " << w.kind << "\n"
        << "      inputs:    " << inputs_text(w) << "\n"
        << "      size:      " << size_text(w.size) << "\n";
    if (video) {
      out << "      duration:  " << duration_text(w.duration);
      if (w.fps) out << " @" << *w.fps << " fps";
      out << "\n";
    }
    out << "      prompt:    " << prompt_text(w.prompt) << "\n"
        << "      settings:  " << (w.settings.empty() ? "none" : text::join(w.settings, ", "))
        << "\n";
  }
}

}  // namespace

void print_model_summary(std::ostream& out, const Model& m) {
  out << m.air << "  (" << m.name << ")\n"
      << "    workflows: " << text::join(m.workflow_kinds(), ", ") << "\n"
      << "    sizes:     " << sizes_of(m) << "\n"
      << "    durations: " << durations_of(m) << "\n"
      << "    price:     " << price_of(m) << "\n";
}

void print_model_details(std::ostream& out, const catalog::Catalog& catalog, const Model& m) {
  out << m.air << "  (" << m.name << ", "
      << (m.type == catalog::ModelType::Video ? "video" : "image") << ")\n";
  print_workflows(out, m);
  if (const auto all = m.all_settings(); !all.empty()) {
    out << "  providerSettings.klingai:\n";
    for (const auto& name : all) {
      if (const auto* spec = catalog.setting(name)) out << "    " << setting_text(*spec) << "\n";
    }
  }
  if (m.positive_prompt)
    out << "  positivePrompt: " << m.positive_prompt->min << "-" << m.positive_prompt->max
        << " characters\n";
  if (m.negative_prompt)
    out << "  negativePrompt: " << m.negative_prompt->min << "-" << m.negative_prompt->max
        << " characters\n";
  for (const auto& [kind, limits] : m.input_limits)
    out << "  " << kind << " inputs: " << limits_text(limits) << "\n";
  out << "  price: " << price_of(m) << "\n";
}

json::object model_json(const catalog::Catalog& catalog, const Model& m) {
  const bool video = m.type == catalog::ModelType::Video;
  bool from_input = false;
  json::array sizes, durations, workflows, details, names, settings;
  for (const auto& s : all_sizes(m, from_input))
    sizes.push_back(json::object{{"width", s.width}, {"height", s.height}});
  for (const auto& w : m.workflows) {
    if (video) {
      auto d = json::value(duration_json(w.duration));
      if (std::find(durations.begin(), durations.end(), d) == durations.end())
        durations.push_back(std::move(d));
    }
    details.push_back(workflow_json(w, video));
  }
  for (const auto& k : m.workflow_kinds()) workflows.emplace_back(k);
  for (const auto& s : m.all_settings()) {
    names.emplace_back(s);
    if (const auto* spec = catalog.setting(s)) settings.push_back(setting_json(*spec));
  }
  json::object limits;
  for (const auto& [kind, l] : m.input_limits) limits[kind] = limits_json(l);
  return {{"air", m.air},
          {"name", m.name},
          {"type", video ? "video" : "image"},
          {"workflows", std::move(workflows)},
          {"sizes", std::move(sizes)},
          {"sizeFromInput", from_input},
          {"durations", std::move(durations)},
          {"price", price_of(m)},
          {"providerSettings", std::move(names)},
          {"workflowDetails", std::move(details)},
          {"settings", std::move(settings)},
          {"inputLimits", std::move(limits)}};
}

}  // namespace vidserve::app
