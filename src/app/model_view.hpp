#pragma once
// What `vidserve models` shows of a catalog model: one summary line group per model, the details
// of one model (workflows with their inputs, sizes, durations and settings), and the JSON of both
// with sizes and durations as numbers.
#include <boost/json.hpp>
#include <ostream>

#include "catalog/catalog.hpp"

namespace vidserve::app {

// The summary of `vidserve models`: workflows, sizes, durations, price.
void print_model_summary(std::ostream& out, const catalog::Model& model);
// `vidserve models MODEL`: the summary, then each workflow's inputs, size, duration, prompt and
// settings, the settings' types and ranges, the input limits.
void print_model_details(std::ostream& out, const catalog::Catalog& catalog,
                         const catalog::Model& model);
// {"air","name","type","workflows":[kinds],"sizes":[{"width","height"}],"sizeFromInput",
//  "durations":[{"values":[5,10]} | {"min","max","default"} | {"fromInput":"video"}],"price",
//  "providerSettings":[names],"workflowDetails":[...],"settings":[...],"inputLimits":{...}}
boost::json::object model_json(const catalog::Catalog& catalog, const catalog::Model& model);

}  // namespace vidserve::app
