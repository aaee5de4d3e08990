#pragma once
// Error codes (Error::code) of the catalog loader.

namespace vidserve::catalog::errc {

// The catalog files are unreadable or do not describe valid models.
inline constexpr const char* kInvalidCatalog = "invalidCatalog";

}  // namespace vidserve::catalog::errc
