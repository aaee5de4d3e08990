#include "catalog/catalog_parser.hpp"

#include <algorithm>
#include <charconv>

#include "catalog/json_fields.hpp"

namespace vidserve::catalog::detail {

namespace json = boost::json;

namespace {

const std::vector<std::string> kInputNames = {"frameImages",     "referenceImages", "referenceVideos",
                                              "referenceVoices", "video",           "audio",
                                              "image"};

std::optional<Size> parse_size(const std::string& s) {
  const auto x = s.find('x');
  if (x == std::string::npos) return std::nullopt;
  Size size;
  auto [p1, e1] = std::from_chars(s.data(), s.data() + x, size.width);
  auto [p2, e2] = std::from_chars(s.data() + x + 1, s.data() + s.size(), size.height);
  if (e1 != std::errc() || e2 != std::errc() || p1 != s.data() + x || p2 != s.data() + s.size() ||
      size.width <= 0 || size.height <= 0) {
    return std::nullopt;
  }
  return size;
}

std::vector<Size> parse_sizes(Fields& f, const char* key) {
  std::vector<Size> sizes;
  for (const auto& s : f.strings(key)) {
    if (auto size = parse_size(s)) {
      sizes.push_back(*size);
    } else {
      f.error(key, "'" + s + "' is not WIDTHxHEIGHT");
    }
  }
  return sizes;
}

std::optional<LengthLimit> parse_length(Fields& parent, const char* key,
                                        std::vector<std::string>& errors) {
  const auto* o = parent.object(key);
  if (!o) return std::nullopt;
  Fields f(*o, parent.where() + "." + key, errors);
  return LengthLimit{f.integer("min").value_or(0), f.integer("max").value_or(0)};
}

std::optional<NumberRange> parse_range(Fields& parent, const char* key,
                                       std::vector<std::string>& errors) {
  const auto* o = parent.object(key);
  if (!o) return std::nullopt;
  Fields f(*o, parent.where() + "." + key, errors);
  return NumberRange{f.number("min").value_or(0), f.number("max").value_or(0), f.number("default")};
}

DurationSpec parse_durations(const json::object& o, const std::string& where,
                             std::vector<std::string>& errors) {
  Fields f(o, where, errors);
  DurationSpec d;
  if (auto from = f.string("fromInput")) {
    d.kind = DurationSpec::Kind::FromInput;
    d.from_input = *from;
    d.ignore_given = f.boolean("ignoreGiven").value_or(false);
    return d;
  }
  if (const auto* values = f.array("values")) {
    d.kind = DurationSpec::Kind::Values;
    for (const auto& v : *values) {
      if (v.is_number()) d.values.push_back(v.to_number<double>());
    }
  } else {
    d.kind = DurationSpec::Kind::Range;
    d.min = f.number("min").value_or(0);
    d.max = f.number("max").value_or(0);
    if (d.max < d.min || d.max <= 0) f.error("max", "needs 0 < min <= max, or values");
  }
  d.default_value = f.number("default").value_or(d.values.empty() ? d.min : d.values.front());
  return d;
}

std::map<std::string, MediaLimits> parse_limits(const json::object& o, const std::string& where,
                                                std::vector<std::string>& errors) {
  std::map<std::string, MediaLimits> limits;
  for (const auto& kv : o) {
    const std::string kind(kv.key());
    const std::string here = where + "." + kind;
    if (!kv.value().is_object()) {
      errors.push_back(here + ": must be an object");
      continue;
    }
    Fields f(kv.value().get_object(), here, errors);
    MediaLimits m;
    m.min_side = f.integer("minSide");
    m.max_side = f.integer("maxSide");
    if (auto b = f.number("maxBytes")) m.max_bytes = static_cast<std::int64_t>(*b);
    m.min_aspect = f.number("minAspect");
    m.max_aspect = f.number("maxAspect");
    m.min_seconds = f.number("minSeconds");
    m.max_seconds = f.number("maxSeconds");
    m.formats = f.strings("formats");
    limits[kind] = m;
  }
  return limits;
}

void parse_tiers(Fields& f, PriceRule& rule, std::vector<std::string>& errors) {
  const auto* o = f.object("inputTiers");
  if (!o) return;
  Fields t(*o, f.where() + ".inputTiers", errors);
  rule.basis = PriceRule::Basis::InputTiers;
  rule.input = t.string("input").value_or("");
  rule.beyond_per_second = t.number("beyondPerSecond").value_or(0);
  if (const auto* up_to = t.array("upTo")) {
    for (const auto& pair : *up_to) {
      const auto* a = pair.if_array();
      if (a && a->size() == 2 && (*a)[0].is_number() && (*a)[1].is_number()) {
        rule.tiers.emplace_back((*a)[0].to_number<double>(), (*a)[1].to_number<double>());
      } else {
        t.error("upTo", "entries must be [seconds, price]");
      }
    }
  }
}

PriceRule parse_price(const json::object& o, const std::string& where,
                      std::vector<std::string>& errors) {
  Fields f(o, where, errors);
  PriceRule rule;
  if (const auto* when = f.object("when")) {
    Fields w(*when, where + ".when", errors);
    rule.workflows = w.strings("workflow");
    rule.sound = w.boolean("sound");
    rule.video_input = w.boolean("videoInput");
    if (auto p = w.number("minPixels")) rule.min_pixels = static_cast<std::int64_t>(*p);
  }
  rule.source = f.string("source").value_or("");
  if (auto v = f.number("perSecond")) {
    rule.basis = PriceRule::Basis::PerSecond;
    rule.amount = *v;
  } else if (auto item = f.number("perItem")) {
    rule.basis = PriceRule::Basis::PerItem;
    rule.amount = *item;
  } else if (const auto* in = f.object("inputPerSecond")) {
    Fields i(*in, where + ".inputPerSecond", errors);
    rule.basis = PriceRule::Basis::InputPerSecond;
    rule.input = i.string("input").value_or("");
    rule.amount = i.number("perSecond").value_or(0);
  } else {
    parse_tiers(f, rule, errors);
    if (rule.basis != PriceRule::Basis::InputTiers) {
      f.error("perSecond", "a price needs perSecond, perItem, inputPerSecond or inputTiers");
    }
  }
  return rule;
}

struct ModelDefaults {
  std::vector<Size> sizes;
  DurationSpec durations;
  std::optional<int> fps;
  std::vector<std::string> settings;
  bool has_prompt = false;
};

void parse_workflow_size(Fields& f, Workflow& w, const ModelDefaults& defaults,
                         std::vector<std::string>& errors) {
  w.size.values = defaults.sizes;
  const auto* v = f.get("size");
  if (!v) return;
  if (v->is_string() && v->get_string() == "fromInput") {
    w.size.kind = SizeSpec::Kind::FromInput;
    w.size.values.clear();
    return;
  }
  if (!v->is_object()) {
    f.error("size", "must be \"fromInput\" or an object");
    return;
  }
  Fields s(v->get_object(), f.where() + ".size", errors);
  w.size.required = s.boolean("required").value_or(false);
  if (auto absent = s.string("whenAbsent")) w.size.absent_from_input = *absent == "fromInput";
  if (s.get("values")) w.size.values = parse_sizes(s, "values");
}

PromptRule parse_prompt_rule(Fields& f, const Workflow& w, const ModelDefaults& defaults) {
  if (!defaults.has_prompt) {
    f.string("prompt");
    return PromptRule::None;
  }
  if (auto p = f.string("prompt")) {
    if (*p == "required") return PromptRule::Required;
    if (*p == "optional") return PromptRule::Optional;
    if (*p == "none") return PromptRule::None;
    f.error("prompt", "must be required, optional or none");
  }
  // Decision (docs/decisions.md): a prompt is optional when inputs carry the request.
  return w.kind.rfind("text-to-", 0) == 0 ? PromptRule::Required : PromptRule::Optional;
}

void parse_inputs(Fields& f, Workflow& w, std::vector<std::string>& errors) {
  const auto* inputs = f.object("inputs");
  if (!inputs) return;
  for (const auto& kv : *inputs) {
    const std::string name(kv.key());
    const std::string here = f.where() + ".inputs." + name;
    if (std::find(kInputNames.begin(), kInputNames.end(), name) == kInputNames.end()) {
      errors.push_back(here + ": unknown input");
      continue;
    }
    if (!kv.value().is_object()) {
      errors.push_back(here + ": must be an object");
      continue;
    }
    Fields i(kv.value().get_object(), here, errors);
    InputSpec spec{i.integer("min").value_or(0), i.integer("max").value_or(1), i.strings("frames")};
    for (const auto& frame : spec.frames) {
      if (frame != "first" && frame != "last") i.error("frames", "'" + frame + "' is not first|last");
    }
    w.inputs[name] = spec;
  }
}

Workflow parse_workflow(const json::object& o, const std::string& where,
                        const ModelDefaults& defaults, std::vector<std::string>& errors) {
  Fields f(o, where, errors);
  Workflow w;
  w.kind = f.string("kind").value_or("");
  if (w.kind.empty()) f.error("kind", "is required");
  parse_inputs(f, w, errors);
  parse_workflow_size(f, w, defaults, errors);
  const auto* d = f.object("durations");
  w.duration = d ? parse_durations(*d, where + ".durations", errors) : defaults.durations;
  w.fps = f.integer("fps");
  if (!w.fps) w.fps = defaults.fps;
  w.prompt = parse_prompt_rule(f, w, defaults);
  w.settings = f.get("settings") ? f.strings("settings") : defaults.settings;
  return w;
}

}  // namespace

SettingSpec parse_setting(const std::string& name, const json::object& object,
                          std::vector<std::string>& errors) {
  Fields f(object, "settings." + name, errors);
  SettingSpec s;
  s.name = name;
  s.type = f.string("type").value_or("");
  if (s.type != "boolean" && s.type != "number" && s.type != "string" && s.type != "shots") {
    f.error("type", "must be boolean, number, string or shots");
  }
  s.enum_values = f.strings("enum");
  s.min = f.number("min");
  s.max = f.number("max");
  s.max_items = f.integer("maxItems").value_or(0);
  s.prompt_max_length = f.integer("promptMaxLength").value_or(0);
  s.min_shot_duration = f.number("minShotDuration").value_or(0);
  s.description = f.string("description").value_or("");
  return s;
}

Model parse_model(const json::object& object, std::vector<std::string>& errors) {
  Model m;
  const auto* air = object.if_contains("air");
  m.air = (air && air->is_string()) ? std::string(air->get_string()) : "?";
  Fields f(object, m.air, errors);
  f.string("air");
  f.get("extends");
  m.name = f.string("name").value_or(m.air);
  const auto type = f.string("type").value_or("");
  if (type != "video" && type != "image") f.error("type", "must be video or image");
  m.type = type == "image" ? ModelType::Image : ModelType::Video;
  if (const auto* native = f.object("native")) {
    for (const auto& kv : *native) {
      if (kv.value().is_string()) m.native[std::string(kv.key())] = kv.value().get_string();
    }
  }
  m.positive_prompt = parse_length(f, "positivePrompt", errors);
  m.negative_prompt = parse_length(f, "negativePrompt", errors);
  m.cfg_scale = parse_range(f, "CFGScale", errors);
  m.resolutions = f.strings("resolutions");
  m.upgrade = f.string("upgrade");
  if (const auto* limits = f.object("inputLimits")) {
    m.input_limits = parse_limits(*limits, m.air + ".inputLimits", errors);
  }
  ModelDefaults defaults;
  defaults.sizes = parse_sizes(f, "sizes");
  if (const auto* d = f.object("durations")) {
    defaults.durations = parse_durations(*d, m.air + ".durations", errors);
  }
  defaults.fps = f.integer("fps");
  defaults.settings = f.strings("settings");
  defaults.has_prompt = m.positive_prompt.has_value();
  if (const auto* workflows = f.array("workflows")) {
    for (std::size_t i = 0; i < workflows->size(); ++i) {
      const std::string where = m.air + ".workflows[" + std::to_string(i) + "]";
      if (const auto* wo = (*workflows)[i].if_object()) {
        m.workflows.push_back(parse_workflow(*wo, where, defaults, errors));
      } else {
        errors.push_back(where + ": must be an object");
      }
    }
  }
  if (m.workflows.empty()) f.error("workflows", "needs at least one workflow");
  if (const auto* pricing = f.array("pricing")) {
    for (std::size_t i = 0; i < pricing->size(); ++i) {
      const std::string where = m.air + ".pricing[" + std::to_string(i) + "]";
      if (const auto* po = (*pricing)[i].if_object()) m.pricing.push_back(parse_price(*po, where, errors));
    }
  }
  return m;
}

}  // namespace vidserve::catalog::detail
