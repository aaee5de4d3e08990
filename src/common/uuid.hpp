#pragma once
#include <string>
#include <string_view>

namespace vidserve::uuid {

// 8-4-4-4-12 hexadecimal digits. Any RFC 4122 version is accepted: Runware's documentation uses
// v1 ids (e.g. 6ba7b829-9dad-11d1-...) in examples that must validate.
bool is_uuid(std::string_view s);

// True for a version-4, RFC 4122 variant UUID.
bool is_uuid_v4(std::string_view s);

// A fresh random version-4 UUID (lower case).
std::string generate_v4();

}  // namespace vidserve::uuid
