// Shared pieces of the translation: model, prompts, shots, sound, size and the fields every
// product has (callback_url, external_task_id, watermark_info).
#include "api/wire/kling/native_translation.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "api/wire/kling/native_fields.hpp"
#include "api/wire/kling/native_models.hpp"
#include "api/wire/kling/native_products.hpp"
#include "api/tasks/task_check.hpp"
#include "common/uuid.hpp"
#include "core/error_codes.hpp"

namespace vidserve::api::kling {

namespace json = boost::json;

const std::vector<std::string>& native_products() {
  static const std::vector<std::string> products = {"text2video",        "image2video", "omni-video",
                                                    "multi-image2video", "lip-sync",    "avatar/image2video"};
  return products;
}

std::vector<core::Problem> Translation::native_problems(std::vector<core::Problem> core_problems) const {
  for (auto& p : core_problems) {
    std::vector<std::string> renamed;
    for (const auto& parameter : p.parameters) {
      auto name = native_name(parameter);
      // The core's message names the Runware parameter; say it the way the caller wrote it.
      if (const auto at = p.message.find(parameter); !name.empty() && at != std::string::npos) {
        p.message.replace(at, parameter.size(), name);
      }
      // A field the caller cannot send (taskUUID, numberResults, ...) names no parameter.
      if (!name.empty() && std::find(renamed.begin(), renamed.end(), name) == renamed.end()) {
        renamed.push_back(std::move(name));
      }
    }
    p.parameters = std::move(renamed);
    p.message = names.native_text(p.message);
  }
  return core_problems;
}

std::vector<core::Problem> Translation::all_problems(std::vector<core::Problem> core_problems) const {
  auto out = problems.list();
  const auto reported = [&out](const std::string& parameter) {
    return std::any_of(out.begin(), out.end(), [&](const core::Problem& p) {
      return std::find(p.parameters.begin(), p.parameters.end(), parameter) != p.parameters.end();
    });
  };
  // Without a model the core can only say "model is required"; the translation said why. And once
  // the translation found faults, the core's complaints about fields the caller never wrote
  // (width, inputs, ...) are their consequences, not news.
  const bool model_reported = reported("model_name") || reported("mode");
  const bool translation_failed = !out.empty();
  for (auto& p : core_problems) {
    const bool unmapped = std::none_of(p.parameters.begin(), p.parameters.end(),
                                       [this](const std::string& path) { return names.covers(path); });
    auto renamed = native_problems({p}).front();
    const bool known = std::any_of(renamed.parameters.begin(), renamed.parameters.end(), reported);
    const bool about_model = std::find(renamed.parameters.begin(), renamed.parameters.end(), "model_name") !=
                                 renamed.parameters.end() ||
                             (renamed.parameters.size() == 1 && renamed.parameters.front() == "mode");
    if (known || (model_reported && about_model) || (translation_failed && unmapped)) continue;
    out.push_back(std::move(renamed));
  }
  return out;
}

namespace {

// Every string under `value` (an input reference) with its Runware path and the caller's name.
void collect_input_names(const NameMap& names, const json::value& value, const std::string& path,
                         std::map<std::string, std::string>& out) {
  if (value.is_string()) {
    if (auto native = names.native_name(path); !native.empty() && native != path) out[path] = native;
  } else if (value.is_array()) {
    const auto& items = value.get_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      collect_input_names(names, items[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.get_object()) collect_input_names(names, item, path + "." + std::string(key), out);
  }
}

}  // namespace

std::map<std::string, std::string> Translation::input_names() const {
  std::map<std::string, std::string> out;
  if (const auto* in = task.if_contains("inputs")) collect_input_names(names, *in, "inputs", out);
  return out;
}

namespace detail {

// The caller's own task id is stored, indexed and echoed in every reply: kept short.
constexpr std::size_t kMaxExternalIdBytes = 256;

json::object& settings(Translation& t) {
  auto& provider = t.task["providerSettings"];
  if (!provider.is_object()) provider = json::object{};
  auto& klingai = provider.get_object()["klingai"];
  if (!klingai.is_object()) klingai = json::object{};
  return klingai.get_object();
}

json::object& inputs(Translation& t) {
  auto& in = t.task["inputs"];
  if (!in.is_object()) in = json::object{};
  return in.get_object();
}

const catalog::Model* read_model(FieldReader& r, const std::string& product, const catalog::Catalog& catalog,
                                 Translation& t, bool has_model_name) {
  NativeModelQuery query{product, "", ""};
  if (has_model_name) {
    // Kling renamed the `model` field to model_name; older clients still send `model`.
    if (auto name = read_text(r, "model_name")) {
      query.model_name = *name;
    } else if (auto legacy = read_text(r, "model")) {
      query.model_name = *legacy;
    }
  }
  if (auto mode = read_text(r, "mode")) query.mode = *mode;
  const auto* model = find_native_model(catalog, query, t.problems);
  if (model) t.task["model"] = model->air;
  t.name("model", has_model_name ? "model_name" : "mode");
  return model;
}

void read_prompts(FieldReader& r, Translation& t, bool negative) {
  if (auto prompt = read_text(r, "prompt")) t.task["positivePrompt"] = *prompt;
  t.name("positivePrompt", "prompt");
  if (!negative) return;
  if (auto text = read_text(r, "negative_prompt")) t.task["negativePrompt"] = *text;
  t.name("negativePrompt", "negative_prompt");
  if (auto cfg = r.number("cfg_scale")) t.task["CFGScale"] = *cfg;
  t.name("CFGScale", "cfg_scale");
}

void read_duration(FieldReader& r, Translation& t) {
  if (auto seconds = read_seconds(r, "duration", t.problems)) t.task["duration"] = *seconds;
  t.name("duration", "duration");
}

void read_sound(FieldReader& r, Translation& t) {
  // "off" is Kling's default; sending it to a model without sound is not an error there either.
  if (read_switch(r, "sound", t.problems).value_or(false)) settings(t)["sound"] = true;
  t.name("providerSettings.klingai.sound", "sound");
}

void read_shots(FieldReader& r, Translation& t) {
  const bool multi_shot = read_flag(r, "multi_shot").value_or(false);
  auto shot_type = read_text(r, "shot_type");
  const auto* shots = r.array("multi_prompt");
  if (!multi_shot) return;
  if (shot_type) settings(t)["shotType"] = *shot_type;
  t.name("providerSettings.klingai.shotType", "shot_type");
  t.name_items("providerSettings.klingai.multiPrompt", "multi_prompt");
  t.task.erase("positivePrompt");  // Kling ignores prompt in multi-shot mode
  if (!shots) return;
  json::array converted;
  for (std::size_t i = 0; i < shots->size(); ++i) {
    const auto path = "multi_prompt[" + std::to_string(i) + "]";
    if (!(*shots)[i].is_object()) {
      t.problems.add(path, core::errc::kInvalidType,
                     path + " must be an object {index, prompt, duration}.");
      continue;
    }
    FieldReader shot((*shots)[i].get_object(), path + ".", t.problems);
    json::object out;
    if (auto prompt = shot.string("prompt")) out["prompt"] = *prompt;
    if (auto seconds = read_seconds(shot, "duration", t.problems)) out["duration"] = *seconds;
    shot.integer("index");
    shot.report_unknown();
    converted.push_back(std::move(out));
  }
  settings(t)["multiPrompt"] = std::move(converted);
}

void read_size(FieldReader& r, const catalog::Model* model, const std::string& workflow_kind, Translation& t,
               bool default_16_9) {
  auto aspect = read_text(r, "aspect_ratio");
  if (!aspect && !default_16_9) return;
  t.name("width", "aspect_ratio");
  t.name("height", "aspect_ratio");
  if (!model) return;
  if (auto size = size_for_aspect(*model, workflow_kind, aspect.value_or("16:9"), t.problems)) {
    t.task["width"] = size->width;
    t.task["height"] = size->height;
  }
}

void read_common(FieldReader& r, Translation& t) {
  if (auto url = read_text(r, "callback_url")) t.task["webhookURL"] = *url;
  t.name("webhookURL", "callback_url");
  if (auto id = read_text(r, "external_task_id")) {
    if (id->size() > kMaxExternalIdBytes) {
      t.problems.add("external_task_id", core::errc::kInvalidLength,
                     "external_task_id has " + std::to_string(id->size()) + " bytes; at most " +
                         std::to_string(kMaxExternalIdBytes) + " are allowed.");
    } else {
      t.external_id = *id;
    }
  }
  if (const auto* watermark = r.object("watermark_info")) {
    FieldReader w(*watermark, "watermark_info.", t.problems);
    if (w.boolean("enabled").value_or(false)) {
      t.problems.add(
          "watermark_info.enabled", core::errc::kUnsupportedParameter,
          "vidserve does not add watermarks; send watermark_info.enabled false or leave it out.");
    }
    w.report_unknown();
  }
}

}  // namespace detail

Translation translate_native(const std::string& product, const json::object& body, const catalog::Catalog& catalog) {
  Translation t;
  t.task["taskType"] = "videoInference";
  t.task["taskUUID"] = uuid::generate_v4();
  FieldReader reader(body, "", t.problems);
  detail::read_common(reader, t);
  if (product == "text2video") {
    translate_text2video(reader, catalog, t);
  } else if (product == "image2video") {
    translate_image2video(reader, catalog, t);
  } else if (product == "omni-video") {
    translate_omni_video(reader, catalog, t);
  } else if (product == "multi-image2video") {
    translate_multi_image2video(reader, catalog, t);
  } else if (product == "lip-sync") {
    translate_lip_sync(reader, catalog, t);
  } else {
    translate_avatar(reader, catalog, t);
  }
  reader.report_unknown();
  return t;
}

}  // namespace vidserve::api::kling

namespace vidserve::api::kling {

namespace {

// "klingai:kling-video@2.6-pro" -> "kling-v2-6 (pro)": models as a Kling caller names them.
std::string with_native_models(std::string message, const catalog::Catalog& catalog) {
  constexpr std::string_view kProvider = "klingai:";
  for (auto at = message.find(kProvider); at != std::string::npos; at = message.find(kProvider, at + 1)) {
    auto end = at + kProvider.size();
    while (end < message.size() && (std::isalnum(static_cast<unsigned char>(message[end])) != 0 ||
                                    std::string_view("@.-_").find(message[end]) != std::string_view::npos)) {
      ++end;
    }
    while (end > at && message[end - 1] == '.') --end;  // a full stop
    const auto* model = catalog.find(std::string_view(message).substr(at, end - at));
    const auto name = model ? model->native.find("modelName") : std::map<std::string, std::string>::const_iterator{};
    if (!model || name == model->native.end()) continue;
    const auto mode = model->native.find("mode");
    message.replace(at, end - at, name->second + (mode == model->native.end() ? "" : " (" + mode->second + ")"));
  }
  return message;
}

}  // namespace

NativeVerdict check_native(const std::string& product, const json::object& body, const catalog::Catalog& catalog) {
  auto translation = translate_native(product, body, catalog);
  auto verdict = tasks::check_translated_task(translation.task, catalog);
  NativeVerdict out;
  out.problems = translation.all_problems(std::move(verdict.validation.problems));
  for (auto& p : out.problems) p.message = with_native_models(std::move(p.message), catalog);
  if (out.problems.empty() && verdict.request) {
    out.plan = std::move(verdict.validation.plan);
    out.quote = std::move(verdict.validation.quote);
    out.spec = core::TaskSpec{std::move(*verdict.request), translation.input_names()};
  }
  out.task = std::move(translation.task);
  out.external_id = std::move(translation.external_id);
  return out;
}

}  // namespace vidserve::api::kling
