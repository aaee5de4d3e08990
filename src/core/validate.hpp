#pragma once
// Validation of typed requests against the catalog. It returns every problem at once, each naming
// its parameter, and, for a valid request, the resolved plan (workflow, size, duration, fps) and
// the quoted cost.
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "core/pricing.hpp"
#include "core/problem.hpp"
#include "core/request.hpp"

namespace vidserve::core {

// What a valid request will produce, with every default applied.
struct Plan {
  const catalog::Model* model = nullptr;
  const catalog::Workflow* workflow = nullptr;
  std::optional<catalog::Size> size;        // absent: inferred from an input when it is resolved
  std::optional<double> duration_s;         // absent: taken from an input when it is resolved
  std::optional<int> fps;
  int number_results = 1;
  std::vector<Shot> shots;                  // multiPrompt, durations resolved
  bool sound = false;
  std::string output_type = "URL";
  std::string output_format;
  int output_quality = 95;
};

// The plan fields every request shares: model, workflow, results and output options.
Plan base_plan(const catalog::Model& model, const catalog::Workflow& workflow, const TaskOptions& options,
               const char* default_format);

struct Validation {
  std::vector<Problem> problems;
  std::optional<Plan> plan;    // set when problems is empty
  std::optional<Quote> quote;  // set when the plan is priced in the catalog
  bool valid() const { return problems.empty(); }
};

// `parse_problems` are the problems the wire parser found (types, unknown names); they are kept
// first and suppress follow-up complaints about the same parameters.
Validation validate(const catalog::Catalog& catalog, const VideoRequest& request,
                    Problems parse_problems);
Validation validate(const catalog::Catalog& catalog, const ImageRequest& request,
                    Problems parse_problems);

}  // namespace vidserve::core
