#include <gtest/gtest.h>

#include <set>

#include "common/uuid.hpp"

namespace vidserve::uuid {
namespace {

TEST(Uuid, ShapeAndVersion) {
  EXPECT_TRUE(is_uuid("6ba7b829-9dad-11d1-80b4-00c04fd430c8"));
  EXPECT_FALSE(is_uuid_v4("6ba7b829-9dad-11d1-80b4-00c04fd430c8"));
  EXPECT_TRUE(is_uuid_v4("3bdba0d3-e60e-4a0a-b82e-1a092ca07810"));
  EXPECT_FALSE(is_uuid("3bdba0d3e60e4a0ab82e1a092ca07810"));
  EXPECT_FALSE(is_uuid("a1b2c3d4-5e6f-7g8h-9i0j-1k2l3m4n5o6p"));
}

TEST(Uuid, GeneratesDistinctV4) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = generate_v4();
    EXPECT_TRUE(is_uuid_v4(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace vidserve::uuid
