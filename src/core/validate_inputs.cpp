// Workflow selection from the inputs present, input counts, frame positions and input references.
#include <algorithm>
#include <map>

#include "common/text.hpp"
#include "core/error_codes.hpp"
#include "core/validate_detail.hpp"

namespace vidserve::core::detail {

namespace {

using catalog::Model;
using catalog::Workflow;

bool accepts_all(const Workflow& w, const std::vector<std::string>& present) {
  return std::all_of(present.begin(), present.end(), [&](const auto& n) { return w.accepts_input(n); });
}

std::vector<std::string> missing_required(const Workflow& w, const Inputs& inputs) {
  std::vector<std::string> missing;
  for (const auto& [name, spec] : w.inputs) {
    if (spec.min > 0 && inputs.count(name) == 0) missing.push_back(name);
  }
  return missing;
}

bool has_text_workflow(const Model& m) {
  return m.has_workflow("text-to-video") || m.has_workflow("text-to-image");
}

void report_missing(const Context& ctx, const Workflow& w, const Inputs& inputs) {
  const std::string kinds = text::join_list(ctx.model.workflow_kinds(), " or ");
  for (const auto& name : missing_required(w, inputs)) {
    const std::string path = inputs.path_of(name);
    std::string message = path + " is required: " + ctx.model.air + " supports " + kinds;
    if (inputs.present().empty() && !has_text_workflow(ctx.model)) {
      const auto* upgrade = ctx.model.upgrade ? ctx.catalog.find(*ctx.model.upgrade) : nullptr;
      const std::string others = upgrade && has_text_workflow(*upgrade)
                                     ? upgrade->air
                                     : models_where(ctx.catalog, has_text_workflow, ctx.model.air);
      message += " and has no text-only workflow; for text-to-video use " + others;
    } else {
      message += ", and its " + w.kind + " workflow needs " + path;
    }
    ctx.problems.add(path, errc::kMissingParameter, message + ".");
  }
}

std::string describe_inputs(const Workflow& w) {
  std::vector<std::string> names;
  for (const auto& [name, spec] : w.inputs) names.push_back(name);
  return w.kind + (names.empty() ? " (no inputs)" : " (" + text::join(names, " + ") + ")");
}

void report_combination(const Context& ctx, const Inputs& inputs) {
  const auto present = inputs.present();
  std::vector<std::string> descriptions;
  for (const auto& w : ctx.model.workflows) descriptions.push_back(describe_inputs(w));
  std::vector<std::string> paths;
  for (const auto& n : present) paths.push_back(inputs.path_of(n));
  ctx.problems.add(paths.back(), errc::kIncompatibleParameters,
                   text::join_list(paths) + " cannot be used together on " + ctx.model.air +
                       "; its workflows take: " + text::join(descriptions, "; ") + ".");
}

}  // namespace

WorkflowChoice select_workflow(const Context& ctx, const Inputs& inputs) {
  const auto present = inputs.present();
  for (const auto& w : ctx.model.workflows) {
    if (accepts_all(w, present) && missing_required(w, inputs).empty()) return {&w, true};
  }
  bool reported = false;
  for (const auto& name : present) {
    const bool accepted = std::any_of(ctx.model.workflows.begin(), ctx.model.workflows.end(),
                                      [&](const Workflow& w) { return w.accepts_input(name); });
    if (accepted) continue;
    const std::string path = inputs.path_of(name);
    const std::string others = models_where(
        ctx.catalog,
        [&](const Model& m) {
          return std::any_of(m.workflows.begin(), m.workflows.end(),
                             [&](const Workflow& w) { return w.accepts_input(name); });
        },
        ctx.model.air);
    ctx.problems.add(path, errc::kUnsupportedInput,
                     ctx.model.air + " does not accept " + path + " (it supports " +
                         text::join_list(ctx.model.workflow_kinds()) + ")" +
                         (others.empty() ? "." : "; models that do: " + others + "."));
    reported = true;
  }
  if (reported) return {};
  for (const auto& w : ctx.model.workflows) {
    if (accepts_all(w, present)) {
      report_missing(ctx, w, inputs);
      return {&w, false};
    }
  }
  report_combination(ctx, inputs);
  return {};
}

namespace {

// Returns true when it reported a frame position the model does not support.
bool check_frames(const Context& ctx, const catalog::InputSpec& spec, const Inputs& inputs) {
  const auto& frames = inputs.frame_images;
  const bool supports_last = std::count(spec.frames.begin(), spec.frames.end(), "last") > 0;
  bool unsupported = false;
  std::map<std::string, int> seen;
  for (const auto& f : frames) {
    if (!f.frame) continue;
    if (*f.frame != "first" && *f.frame != "last") {
      ctx.problems.add(f.frame_path, errc::kInvalidValue,
                       f.frame_path + " " + text::quoted(*f.frame) +
                           " is not a frame position; use " + text::join_list(spec.frames, " or ") +
                           (supports_last ? "" : " (or 0)") + ".");
      continue;
    }
    if (*f.frame == "last" && !supports_last) {
      const std::string others = models_where(
          ctx.catalog,
          [](const Model& m) {
            return std::any_of(m.workflows.begin(), m.workflows.end(), [](const Workflow& w) {
              auto it = w.inputs.find("frameImages");
              return it != w.inputs.end() &&
                     std::count(it->second.frames.begin(), it->second.frames.end(), "last") > 0;
            });
          },
          ctx.model.air);
      ctx.problems.add(
          f.frame_path, errc::kUnsupportedFrame,
          ctx.model.air + " supports only the first frame; first+last frames: " + others + ".");
      unsupported = true;
      continue;
    }
    if (++seen[*f.frame] > 1) {
      ctx.problems.add(f.frame_path, errc::kDuplicateFrame,
                       "more than one frame image is set as the " + *f.frame + " frame.");
    }
  }
  const bool explicit_last = seen.count("last") > 0;
  const bool has_first = seen.count("first") > 0 ||
                         std::any_of(frames.begin(), frames.end(), [](const auto& f) { return !f.frame; });
  if (explicit_last && !has_first) {
    ctx.problems.add(inputs.frame_images_path, errc::kMissingParameter,
                     "a last frame needs a first frame: add an item with frame \"first\".");
  }
  return unsupported;
}

std::string with_others(const Inputs& inputs, const std::string& name) {
  std::vector<std::string> others;
  for (const auto& n : inputs.present()) {
    if (n != name) others.push_back(inputs.path_of(n));
  }
  return others.empty() ? "" : " together with " + text::join_list(others);
}

}  // namespace

void check_input_counts(const Context& ctx, const Workflow& workflow, const Inputs& inputs) {
  for (const auto& [name, spec] : workflow.inputs) {
    const int n = inputs.count(name);
    const std::string path = inputs.path_of(name);
    // An unsupported "last" frame already explains why there are too many frame images.
    if (name == "frameImages" && n > 0 && check_frames(ctx, spec, inputs)) continue;
    if (n > spec.max) {
      std::string what = std::to_string(spec.max) + " item" + (spec.max == 1 ? "" : "s");
      if (name == "frameImages" && spec.max == 1) what += " (first frame only)";
      ctx.problems.add(path, errc::kMaxItemsExceeded,
                       ctx.model.air + " accepts at most " + what + " in " + path + " for " +
                           workflow.kind + with_others(inputs, name) + "; got " +
                           std::to_string(n) + ".");
    } else if (n > 0 && n < spec.min) {
      ctx.problems.add(path, errc::kMinItemsRequired,
                       ctx.model.air + " needs at least " + std::to_string(spec.min) +
                           " items in " + path + "; got " + std::to_string(n) + ".");
    }
  }
}

namespace {

void check_ref(const InputRef& ref, Problems& problems) {
  const auto& v = ref.value;
  const char* kinds = "an uploaded UUID, an http(s) URL, a data URI or base64 data";
  if (v.empty()) {
    problems.add(ref.path, errc::kInvalidValue,
                 ref.path + " is empty; give " + std::string(kinds) + ".");
    return;
  }
  if (v.rfind("data:", 0) == 0) {
    const auto comma = v.find(',');
    const auto header = v.substr(0, comma == std::string::npos ? 0 : comma);
    if (comma == std::string::npos || header.find('/') == std::string::npos) {
      problems.add(ref.path, errc::kInvalidValue,
                   ref.path + " is not a valid data URI (data:<type>/<subtype>;base64,<data>).");
    }
    return;
  }
  const auto scheme_end = v.find("://");
  if (scheme_end != std::string::npos) {
    const auto scheme = v.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") {
      problems.add(ref.path, errc::kInvalidValue,
                   ref.path + " uses the URL scheme " + text::quoted(scheme) +
                       "; only http and https are fetched.");
    }
  }
}

}  // namespace

void check_input_refs(const Inputs& inputs, Problems& problems) {
  for (const auto& f : inputs.frame_images) check_ref(f.image, problems);
  for (const auto& r : inputs.reference_images) check_ref(r, problems);
  for (const auto& r : inputs.reference_voices) check_ref(r, problems);
  for (const auto& r : inputs.reference_videos) {
    check_ref(r.video, problems);
    if (r.refer_type && *r.refer_type != "feature" && *r.refer_type != "base") {
      problems.add(
          r.video.path.substr(0, r.video.path.rfind('.')) + ".referType", errc::kInvalidValue,
          "referType " + text::quoted(*r.refer_type) + " is not allowed; use feature or base.");
    }
  }
  for (const auto* r : {&inputs.video, &inputs.audio, &inputs.image}) {
    if (*r) check_ref(**r, problems);
  }
}

}  // namespace vidserve::core::detail
