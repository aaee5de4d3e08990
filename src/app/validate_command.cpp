#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "api/runware/document_check.hpp"
#include "api/runware/error_codes.hpp"
#include "api/wire/json.hpp"
#include "api/wire/json_text.hpp"
#include "api/wire/problem_json.hpp"
#include "app/commands.hpp"
#include "app/error_codes.hpp"
#include "catalog/error_codes.hpp"
#include "common/money.hpp"
#include "common/text.hpp"
#include "common/uuid.hpp"

namespace vidserve::app {

namespace {

using api::runware::DocumentCheck;
using api::runware::TaskVerdict;

constexpr int kValid = 0, kInvalid = 1, kUnreadable = 2;

bool read_input(const std::string& file, std::string& out, std::string& error) {
  std::ostringstream buffer;
  if (file == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      error = "cannot read " + file;
      return false;
    }
    buffer << in.rdbuf();
  }
  out = buffer.str();
  return true;
}

std::string plan_summary(const core::Plan& plan) {
  std::string s = plan.model->air + " " + plan.workflow->kind;
  s += plan.size ? " " + catalog::to_string(*plan.size) : " size from input";
  if (plan.model->type == catalog::ModelType::Video) {
    s += plan.duration_s ? " " + text::format_number(*plan.duration_s) + " s" : " duration from input";
    if (plan.fps) s += " @" + std::to_string(*plan.fps) + " fps";
  }
  return s;
}

void print_text(const DocumentCheck& check) {
  for (const auto& t : check.tasks) {
    const std::string label = "task " + std::to_string(t.index) +
                              (t.task_uuid.empty() ? "" : " (" + t.task_uuid + ")");
    const auto& v = t.validation;
    if (v.valid()) {
      std::cout << label << ": valid";
      if (v.plan) std::cout << ": " << plan_summary(*v.plan);
      if (v.quote) {
        std::cout << "; cost " << money::usd(v.quote->cost_micros) << " (" << v.quote->basis << ")";
      } else if (v.plan) {
        std::cout << "; cost not quoted: " << core::unquoted_reason(*v.plan, {v.plan->sound, false});
      }
      std::cout << "\n";
      continue;
    }
    std::cout << label << ": " << v.problems.size() << " problem" << (v.problems.size() == 1 ? "" : "s") << "\n";
    for (const auto& p : v.problems) {
      std::cout << "  " << (p.parameter().empty() ? "(task)" : p.parameter()) << ": " << p.message << " ["
                << p.code << "]\n";
    }
  }
}

void print_json(const DocumentCheck& check) {
  boost::json::array out;
  for (const auto& t : check.tasks) {
    for (const auto& p : t.validation.problems) {
      auto o = api::wire::to_json(p);
      o["task"] = t.index;
      o["taskUUID"] = t.task_uuid;
      out.push_back(std::move(o));
    }
  }
  std::cout << api::wire::to_text(out) << "\n";
}

int report_unreadable(const std::string& message, bool as_json, const char* code) {
  std::cerr << "vidserve validate: " << message << "\n";
  if (as_json) {
    boost::json::array out{{{"parameter", ""}, {"code", code}, {"message", message}}};
    std::cout << api::wire::to_text(out) << "\n";
  }
  return kUnreadable;
}

// A dry run needs no taskUUID: an inference task without one gets a made-up one (said on stderr),
// so that only what the server would really refuse is reported.
void add_missing_uuids(boost::json::value& doc) {
  auto fill = [](boost::json::value& task, std::size_t index) {
    auto* o = task.if_object();
    if (o == nullptr || o->contains("taskUUID")) return;
    const auto* type = o->if_contains("taskType");
    if (type == nullptr || !type->is_string() ||
        !std::string(type->get_string()).ends_with("Inference"))
      return;
    const auto made_up = uuid::generate_v4();
    (*o)["taskUUID"] = made_up;
    std::cerr << "vidserve validate: task " << index
              << " has no taskUUID (the server requires one); checked with " << made_up << "\n";
  };
  if (auto* tasks = doc.if_array()) {
    for (std::size_t i = 0; i < tasks->size(); ++i) fill((*tasks)[i], i);
  } else {
    fill(doc, 0);
  }
}

int run_validate(const std::string& file, bool as_json) {
  std::string text, error;
  if (!read_input(file, text, error))
    return report_unreadable(error, as_json, errc::kUnreadableInput);
  auto catalog = catalog::Catalog::load_default();
  if (!catalog)
    return report_unreadable(catalog.error().message, as_json, catalog::errc::kInvalidCatalog);
  api::wire::SyntaxError syntax;
  auto doc = api::wire::parse_json(text, syntax);
  if (!doc) return report_unreadable(syntax.describe(), as_json, api::runware::errc::kInvalidJSON);
  add_missing_uuids(*doc);
  const auto check = api::runware::check_parsed_document(*doc, *catalog);
  as_json ? print_json(check) : print_text(check);
  return check.valid() ? kValid : kInvalid;
}

}  // namespace

Runner add_validate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("validate", "Validate Runware tasks against the catalog and quote the cost");
  auto file = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("file", *file, "A JSON file with one task or an array of tasks; '-' reads stdin")
      ->required();
  cmd->add_flag("--json", *as_json, "Print the problems as a JSON array of {parameter, code, message}");
  return [file, as_json] { return run_validate(*file, *as_json); };
}

}  // namespace vidserve::app
