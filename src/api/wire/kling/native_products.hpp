#pragma once
// One translation per native product; each reads its own fields from `reader` (the request body)
// into `t`. Private to the Kling front-end.
#include <boost/json.hpp>

#include "api/wire/kling/native_fields.hpp"
#include "api/wire/kling/native_translation.hpp"

namespace vidserve::api::kling {

void translate_text2video(FieldReader& reader, const catalog::Catalog& catalog, Translation& t);
void translate_image2video(FieldReader& reader, const catalog::Catalog& catalog, Translation& t);
void translate_omni_video(FieldReader& reader, const catalog::Catalog& catalog, Translation& t);
void translate_multi_image2video(FieldReader& reader, const catalog::Catalog& catalog, Translation& t);
void translate_lip_sync(FieldReader& reader, const catalog::Catalog& catalog, Translation& t);
void translate_avatar(FieldReader& reader, const catalog::Catalog& catalog, Translation& t);

namespace detail {
boost::json::object& settings(Translation& t);
boost::json::object& inputs(Translation& t);
const catalog::Model* read_model(FieldReader& r, const std::string& product, const catalog::Catalog& catalog,
                                 Translation& t, bool has_model_name);
void read_prompts(FieldReader& r, Translation& t, bool negative);
void read_duration(FieldReader& r, Translation& t);
void read_sound(FieldReader& r, Translation& t);
void read_shots(FieldReader& r, Translation& t);
void read_size(FieldReader& r, const catalog::Model* model, const std::string& workflow_kind, Translation& t,
               bool default_16_9);
void read_common(FieldReader& r, Translation& t);
}  // namespace detail

}  // namespace vidserve::api::kling
